//! Windows: the HTTP Server API of http.sys (`httpapi.dll`), I/O completion ports, and the
//! detection of Wine, whose http.sys covers only part of the API.
//!
//! Everything here is a thin wrapper over `windows-sys`'s declarations. Handles close on
//! drop; every Win32 result code goes through [`check`]. The overlapped calls are `unsafe`:
//! their buffers and `OVERLAPPED` must stay where they are until the completion arrives,
//! which [`iocp::Op`] arranges for the callers.

pub mod http;
pub mod iocp;

use std::io;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use windows_sys::Win32::Foundation::NO_ERROR;
use windows_sys::Win32::System::LibraryLoader::{GetModuleHandleW, GetProcAddress};

/// `Ok` for `NO_ERROR`, else the Win32 error as an `io::Error` (its `raw_os_error` is the
/// code).
pub fn check(code: u32) -> io::Result<()> {
    if code == NO_ERROR { Ok(()) } else { Err(io::Error::from_raw_os_error(code as i32)) }
}

/// `s` as a NUL-terminated UTF-16 string, for the `W` functions.
pub fn wide(s: &str) -> Vec<u16> {
    s.encode_utf16().chain(std::iter::once(0)).collect()
}

/// Wine's version when this process runs under Wine (its `ntdll` exports
/// `wine_get_version`), else `None`. Read once.
pub fn wine_version() -> Option<&'static str> {
    static VERSION: OnceLock<Option<String>> = OnceLock::new();
    VERSION
        .get_or_init(|| {
            let ntdll = wide("ntdll.dll");
            // SAFETY: a NUL-terminated name; ntdll is mapped into every process, and a
            // module handle from GetModuleHandleW needs no release.
            let module = unsafe { GetModuleHandleW(ntdll.as_ptr()) };
            if module.is_null() {
                return None;
            }
            // SAFETY: a valid module handle and a NUL-terminated export name.
            let f = unsafe { GetProcAddress(module, c"wine_get_version".as_ptr().cast()) }?;
            // SAFETY: Wine's export has the signature `const char *wine_get_version(void)`
            // and returns a static NUL-terminated string.
            let text = unsafe {
                let get: unsafe extern "C" fn() -> *const std::ffi::c_char = std::mem::transmute(f);
                let p = get();
                if p.is_null() {
                    return Some(String::new());
                }
                std::ffi::CStr::from_ptr(p)
            };
            Some(text.to_string_lossy().into_owned())
        })
        .as_deref()
}

/// Set by the console control handler ([`catch_console_stop`]).
static CONSOLE_STOP: AtomicBool = AtomicBool::new(false);

/// The console control handler: Ctrl-C, Ctrl-Break, the console closing, logoff and
/// shutdown all ask the process to stop (as SIGINT and SIGTERM do on Linux); the process
/// goes on, and stops gracefully.
unsafe extern "system" fn on_console_event(_event: u32) -> windows_sys::core::BOOL {
    CONSOLE_STOP.store(true, Ordering::Release);
    1
}

/// Makes console stop events (Ctrl-C, Ctrl-Break, close) set a flag ([`console_stop_requested`])
/// instead of ending the process.
pub fn catch_console_stop() -> io::Result<()> {
    // SAFETY: the handler is a plain function that only stores to an atomic, valid for
    // the whole process.
    let ok = unsafe { windows_sys::Win32::System::Console::SetConsoleCtrlHandler(Some(on_console_event), 1) };
    if ok != 0 { Ok(()) } else { Err(io::Error::last_os_error()) }
}

/// Whether a console stop event arrived since [`catch_console_stop`].
pub fn console_stop_requested() -> bool {
    CONSOLE_STOP.load(Ordering::Acquire)
}

/// Sends Ctrl-C to the processes of this console (this one among them): for tests. Fails
/// where the process has no console (Wine, run without a terminal).
pub fn send_ctrl_c() -> io::Result<()> {
    use windows_sys::Win32::System::Console::{CTRL_C_EVENT, GenerateConsoleCtrlEvent};
    // SAFETY: no pointers; process group 0 is every process sharing this console.
    let ok = unsafe { GenerateConsoleCtrlEvent(CTRL_C_EVENT, 0) };
    if ok != 0 { Ok(()) } else { Err(io::Error::last_os_error()) }
}
