//! The HTTP Server API v2 of http.sys: a session, URL groups (prefixes) bound to a request
//! queue, overlapped receives and sends on the queue, the kernel response cache.
//!
//! Received requests are read through [`Received`], which checks every pointer http.sys
//! wrote against the buffer it was given and reads the structures it points to with
//! unaligned reads: Wine packs them at odd offsets (harmless on Windows, fatal to a plain
//! dereference in a debug build).

use std::io;
use std::mem::{offset_of, size_of};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::ptr;

use windows_sys::Win32::Foundation::HANDLE;
use windows_sys::Win32::Networking::HttpServer::*;
use windows_sys::Win32::Networking::WinSock::{AF_INET, AF_INET6, SOCKADDR_IN, SOCKADDR_IN6};
use windows_sys::Win32::System::IO::{CancelIoEx, OVERLAPPED};

use super::{check, wide};

const VERSION_2: HTTPAPI_VERSION = HTTPAPI_VERSION { HttpApiMajorVersion: 2, HttpApiMinorVersion: 0 };

/// The API initialised for serving (`HttpInitialize`); terminated on drop. Take one before
/// anything else, and keep it while the server runs.
#[derive(Debug)]
pub struct Api(());

impl Api {
    /// `HttpInitialize(2.0, HTTP_INITIALIZE_SERVER)`.
    pub fn init() -> io::Result<Api> {
        // SAFETY: the reserved pointer is null, as required.
        check(unsafe { HttpInitialize(VERSION_2, HTTP_INITIALIZE_SERVER, ptr::null_mut()) })?;
        Ok(Api(()))
    }
}

impl Drop for Api {
    fn drop(&mut self) {
        // SAFETY: pairs with the successful HttpInitialize of `init`.
        unsafe { HttpTerminate(HTTP_INITIALIZE_SERVER, ptr::null_mut()) };
    }
}

/// A server session, the owner of URL groups.
#[derive(Debug)]
pub struct Session(u64);

impl Session {
    /// `HttpCreateServerSession`.
    pub fn new(_api: &Api) -> io::Result<Session> {
        let mut id = 0;
        // SAFETY: the out-pointer is to a local.
        check(unsafe { HttpCreateServerSession(VERSION_2, &mut id, 0) })?;
        Ok(Session(id))
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        // SAFETY: our id, closed once.
        unsafe { HttpCloseServerSession(self.0) };
    }
}

/// Connection timeouts in seconds (0 keeps the default).
#[derive(Debug, Clone, Copy, Default)]
pub struct Timeouts {
    /// Time to drain an entity body.
    pub entity_body: u16,
    /// Time to drain the rest of a body the application did not read.
    pub drain_entity_body: u16,
    /// Time for a request to wait in the queue.
    pub request_queue: u16,
    /// Idle time of a kept-alive connection.
    pub idle_connection: u16,
    /// Time to parse the request headers.
    pub header_wait: u16,
    /// Minimum send rate, bytes per second.
    pub min_send_rate: u32,
}

impl Timeouts {
    fn info(&self) -> HTTP_TIMEOUT_LIMIT_INFO {
        HTTP_TIMEOUT_LIMIT_INFO {
            Flags: HTTP_PROPERTY_FLAGS { _bitfield: 1 },
            EntityBody: self.entity_body,
            DrainEntityBody: self.drain_entity_body,
            RequestQueue: self.request_queue,
            IdleConnection: self.idle_connection,
            HeaderWait: self.header_wait,
            MinSendRate: self.min_send_rate,
        }
    }
}

/// A URL group: the prefixes whose requests go to the queue it is bound to.
#[derive(Debug)]
pub struct UrlGroup(u64);

impl UrlGroup {
    /// `HttpCreateUrlGroup`.
    pub fn new(session: &Session) -> io::Result<UrlGroup> {
        let mut id = 0;
        // SAFETY: the out-pointer is to a local.
        check(unsafe { HttpCreateUrlGroup(session.0, &mut id, 0) })?;
        Ok(UrlGroup(id))
    }

    /// Registers a prefix (`http://+:8080/app/`); its requests carry `context`.
    /// `ERROR_ALREADY_EXISTS`: another group (maybe another process) has it.
    pub fn add_url(&self, prefix: &str, context: u64) -> io::Result<()> {
        let url = wide(prefix);
        // SAFETY: a NUL-terminated UTF-16 string that outlives the call.
        check(unsafe { HttpAddUrlToUrlGroup(self.0, url.as_ptr(), context, 0) })
    }

    /// Removes a prefix.
    pub fn remove_url(&self, prefix: &str) -> io::Result<()> {
        let url = wide(prefix);
        // SAFETY: a NUL-terminated UTF-16 string that outlives the call.
        check(unsafe { HttpRemoveUrlFromUrlGroup(self.0, url.as_ptr(), 0) })
    }

    /// Sends this group's requests to `queue` (`HttpServerBindingProperty`).
    pub fn bind(&self, queue: &Queue) -> io::Result<()> {
        let info = HTTP_BINDING_INFO { Flags: HTTP_PROPERTY_FLAGS { _bitfield: 1 }, RequestQueueHandle: queue.0 };
        // SAFETY: a pointer to a local of the property's type, with its size.
        check(unsafe {
            HttpSetUrlGroupProperty(
                self.0,
                HttpServerBindingProperty,
                (&raw const info).cast(),
                size_of::<HTTP_BINDING_INFO>() as u32,
            )
        })
    }

    /// Sets the group's timeouts (`HttpServerTimeoutsProperty`): `ERROR_CALL_NOT_IMPLEMENTED`
    /// where the platform does not support it (Wine).
    pub fn set_timeouts(&self, limits: &Timeouts) -> io::Result<()> {
        let info = limits.info();
        // SAFETY: a pointer to a local of the property's type, with its size.
        check(unsafe {
            HttpSetUrlGroupProperty(
                self.0,
                HttpServerTimeoutsProperty,
                (&raw const info).cast(),
                size_of::<HTTP_TIMEOUT_LIMIT_INFO>() as u32,
            )
        })
    }
}

impl Drop for UrlGroup {
    fn drop(&mut self) {
        // SAFETY: our id, closed once.
        unsafe { HttpCloseUrlGroup(self.0) };
    }
}

/// A request queue, opened for overlapped I/O: bind it to a completion port
/// ([`super::iocp::CompletionPort::bind`]) before the first receive.
#[derive(Debug)]
pub struct Queue(pub(super) HANDLE);

// SAFETY: the queue's calls are thread-safe in the driver; the handle is a plain value.
unsafe impl Send for Queue {}
// SAFETY: as above.
unsafe impl Sync for Queue {}

impl Queue {
    /// `HttpCreateRequestQueue`, unnamed.
    pub fn new(_api: &Api) -> io::Result<Queue> {
        let mut h: HANDLE = ptr::null_mut();
        // SAFETY: null name and attributes are allowed; the out-pointer is to a local.
        check(unsafe { HttpCreateRequestQueue(VERSION_2, ptr::null(), ptr::null(), 0, &mut h) })?;
        Ok(Queue(h))
    }

    /// Starts an overlapped receive of the next request (`id` 0), or of the rest of request
    /// `id` after `ERROR_MORE_DATA`, into `buf`.
    ///
    /// # Safety
    /// `buf` (8-byte aligned, `len` bytes) and `overlapped` stay valid and untouched until
    /// the operation's completion has been dequeued.
    pub unsafe fn receive(&self, id: u64, buf: *mut u8, len: u32, overlapped: *mut OVERLAPPED) -> u32 {
        // SAFETY: the caller keeps the buffer and OVERLAPPED alive until the completion.
        unsafe {
            HttpReceiveHttpRequest(
                self.0,
                id,
                HTTP_RECEIVE_REQUEST_FLAG_COPY_BODY,
                buf.cast(),
                len,
                ptr::null_mut(),
                overlapped,
            )
        }
    }

    /// Starts an overlapped read of request `id`'s body into `buf`; its completion has
    /// `ERROR_HANDLE_EOF` at the end.
    ///
    /// # Safety
    /// As for [`Queue::receive`].
    pub unsafe fn receive_body(&self, id: u64, buf: *mut u8, len: u32, overlapped: *mut OVERLAPPED) -> u32 {
        // SAFETY: the caller keeps the buffer and OVERLAPPED alive until the completion.
        unsafe { HttpReceiveRequestEntityBody(self.0, id, 0, buf.cast(), len, ptr::null_mut(), overlapped) }
    }

    /// Starts an overlapped send of request `id`'s response from `frame` (with
    /// `HTTP_SEND_RESPONSE_FLAG_MORE_DATA` in `flags`, the body goes on with
    /// [`Queue::send_body`]), cached by the kernel under `cache` when given.
    ///
    /// # Safety
    /// The frame and every byte its pointers reach (reason, headers, body chunks) stay
    /// valid and unchanged, and `overlapped` untouched, until the completion is dequeued.
    pub unsafe fn send(
        &self,
        id: u64,
        flags: u32,
        frame: &mut ResponseFrame,
        cache: Option<&CachePolicy>,
        overlapped: *mut OVERLAPPED,
    ) -> u32 {
        let response = frame.seal();
        let policy = cache.map_or(ptr::null(), |c| &raw const c.0);
        // SAFETY: the caller keeps the frame, what it points to and the OVERLAPPED alive;
        // the cache policy is read during the call only.
        unsafe {
            HttpSendHttpResponse(
                self.0,
                id,
                flags,
                response,
                policy,
                ptr::null_mut(),
                ptr::null(),
                0,
                overlapped,
                ptr::null(),
            )
        }
    }

    /// Starts an overlapped send of more of request `id`'s body: `frame`'s chunks (its
    /// status and headers are not used).
    ///
    /// # Safety
    /// As for [`Queue::send`]. Under Wine 8 this function is a stub that aborts the process:
    /// do not call it there.
    pub unsafe fn send_body(&self, id: u64, flags: u32, frame: &mut ResponseFrame, overlapped: *mut OVERLAPPED) -> u32 {
        frame.seal();
        let count = frame.chunks.len() as u16;
        // SAFETY: the caller keeps the chunks' bytes and the OVERLAPPED alive.
        unsafe {
            HttpSendResponseEntityBody(
                self.0,
                id,
                flags,
                count,
                frame.chunks.as_ptr(),
                ptr::null_mut(),
                ptr::null(),
                0,
                overlapped,
                ptr::null(),
            )
        }
    }

    /// Cancels every pending operation on the queue: their completions come with
    /// `ERROR_OPERATION_ABORTED`.
    pub fn cancel_all(&self) -> io::Result<()> {
        // SAFETY: a valid handle; a null OVERLAPPED means every operation of this handle.
        if unsafe { CancelIoEx(self.0, ptr::null()) } != 0 {
            Ok(())
        } else {
            let e = io::Error::last_os_error();
            // ERROR_NOT_FOUND: nothing was pending.
            if e.raw_os_error() == Some(1168) { Ok(()) } else { Err(e) }
        }
    }

    /// `HttpShutdownRequestQueue`: stops the queue; pending receives complete with errors.
    /// Under Wine 8 this function is a stub that aborts the process: do not call it there.
    pub fn shutdown(&self) -> io::Result<()> {
        // SAFETY: a valid queue handle.
        check(unsafe { HttpShutdownRequestQueue(self.0) })
    }

    /// Puts `data` in the kernel's fragment cache under `name` (a URL under one of the
    /// queue's prefixes), to be sent by [`ResponseFrame::add_fragment`]. Under Wine 8 this
    /// function is a stub that aborts the process: do not call it there.
    pub fn add_fragment(&self, name: &str, data: &[u8], policy: &CachePolicy) -> io::Result<()> {
        let url = wide(name);
        let chunk = memory_chunk(data)?;
        // SAFETY: the name, chunk and policy outlive this synchronous call (null OVERLAPPED).
        check(unsafe { HttpAddFragmentToCache(self.0, url.as_ptr(), &chunk, &policy.0, ptr::null_mut()) })
    }

    /// Removes the cached responses and fragments under `prefix` (with `recursive`, every
    /// URL below it). Under Wine 8 this function is a stub that aborts the process.
    pub fn flush_cache(&self, prefix: &str, recursive: bool) -> io::Result<()> {
        let url = wide(prefix);
        let flags = if recursive { HTTP_FLUSH_RESPONSE_FLAG_RECURSIVE } else { 0 };
        // SAFETY: the name outlives this synchronous call (null OVERLAPPED).
        check(unsafe { HttpFlushResponseCache(self.0, url.as_ptr(), flags, ptr::null_mut()) })
    }
}

impl Drop for Queue {
    fn drop(&mut self) {
        // SAFETY: our handle, closed once.
        unsafe { HttpCloseRequestQueue(self.0) };
    }
}

/// How the kernel may cache a response or fragment.
#[derive(Clone, Copy)]
pub struct CachePolicy(HTTP_CACHE_POLICY);

impl std::fmt::Debug for CachePolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachePolicy").field("policy", &self.0.Policy).field("seconds", &self.0.SecondsToLive).finish()
    }
}

impl CachePolicy {
    /// Cached until flushed ([`Queue::flush_cache`]).
    pub fn until_flushed() -> CachePolicy {
        CachePolicy(HTTP_CACHE_POLICY { Policy: HttpCachePolicyUserInvalidates, SecondsToLive: 0 })
    }

    /// Cached for `seconds`.
    pub fn for_seconds(seconds: u32) -> CachePolicy {
        CachePolicy(HTTP_CACHE_POLICY { Policy: HttpCachePolicyTimeToLive, SecondsToLive: seconds })
    }
}

fn memory_chunk(data: &[u8]) -> io::Result<HTTP_DATA_CHUNK> {
    let len = u32::try_from(data.len()).map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "chunk over 4 GiB"))?;
    Ok(HTTP_DATA_CHUNK {
        DataChunkType: HttpDataChunkFromMemory,
        Anonymous: HTTP_DATA_CHUNK_0 {
            FromMemory: HTTP_DATA_CHUNK_0_0 { pBuffer: data.as_ptr() as *mut _, BufferLength: len },
        },
    })
}

/// A response as http.sys takes it: status, reason, headers (the known ones by id, the
/// others by name) and body chunks, all by pointer to bytes that live elsewhere (no copy).
/// Reused: [`ResponseFrame::clear`] keeps the capacity.
pub struct ResponseFrame {
    response: HTTP_RESPONSE_V2,
    unknown: Vec<HTTP_UNKNOWN_HEADER>,
    chunks: Vec<HTTP_DATA_CHUNK>,
}

impl std::fmt::Debug for ResponseFrame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseFrame")
            .field("status", &self.response.Base.StatusCode)
            .field("unknown_headers", &self.unknown.len())
            .field("chunks", &self.chunks.len())
            .finish()
    }
}

// SAFETY: the frame's pointers are to bytes its owner keeps alive and unchanged while it is
// in flight (the `send` contract); moving the frame to another thread changes nothing of that.
unsafe impl Send for ResponseFrame {}

/// Ids of the response headers http.sys knows, for [`ResponseFrame::set_known`].
pub mod response_header {
    pub use windows_sys::Win32::Networking::HttpServer::{
        HttpHeaderCacheControl as CACHE_CONTROL, HttpHeaderConnection as CONNECTION,
        HttpHeaderContentEncoding as CONTENT_ENCODING, HttpHeaderContentLength as CONTENT_LENGTH,
        HttpHeaderContentType as CONTENT_TYPE, HttpHeaderDate as DATE, HttpHeaderEtag as ETAG,
        HttpHeaderLastModified as LAST_MODIFIED, HttpHeaderLocation as LOCATION, HttpHeaderServer as SERVER,
        HttpHeaderSetCookie as SET_COOKIE, HttpHeaderTransferEncoding as TRANSFER_ENCODING,
    };
}

impl Default for ResponseFrame {
    fn default() -> Self {
        ResponseFrame::new()
    }
}

impl ResponseFrame {
    /// An empty `200` frame.
    pub fn new() -> ResponseFrame {
        ResponseFrame { response: HTTP_RESPONSE_V2::default(), unknown: Vec::new(), chunks: Vec::new() }
    }

    /// Empties the frame, keeping its capacity.
    pub fn clear(&mut self) {
        self.response = HTTP_RESPONSE_V2::default();
        self.unknown.clear();
        self.chunks.clear();
    }

    /// Status code and reason phrase (the bytes are referenced, not copied).
    pub fn set_status(&mut self, code: u16, reason: &[u8]) {
        self.response.Base.Version = HTTP_VERSION { MajorVersion: 1, MinorVersion: 1 };
        self.response.Base.StatusCode = code;
        self.response.Base.pReason = reason.as_ptr();
        self.response.Base.ReasonLength = reason.len().min(u16::MAX as usize) as u16;
    }

    /// Sets a header http.sys knows by id ([`response_header`]); `InvalidInput` for a value
    /// over 64 KiB or an id out of range.
    pub fn set_known(&mut self, id: i32, value: &[u8]) -> io::Result<()> {
        let len = header_len(value)?;
        let slot = usize::try_from(id)
            .ok()
            .and_then(|i| self.response.Base.Headers.KnownHeaders.get_mut(i))
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "unknown header id"))?;
        *slot = HTTP_KNOWN_HEADER { RawValueLength: len, pRawValue: value.as_ptr() };
        Ok(())
    }

    /// Adds a header by name.
    pub fn add_header(&mut self, name: &[u8], value: &[u8]) -> io::Result<()> {
        let (name_len, value_len) = (header_len(name)?, header_len(value)?);
        room(self.unknown.len())?;
        self.unknown.push(HTTP_UNKNOWN_HEADER {
            NameLength: name_len,
            RawValueLength: value_len,
            pName: name.as_ptr(),
            pRawValue: value.as_ptr(),
        });
        Ok(())
    }

    /// Appends a body chunk from memory (empty chunks are skipped).
    pub fn add_chunk(&mut self, data: &[u8]) -> io::Result<()> {
        if !data.is_empty() {
            room(self.chunks.len())?;
            self.chunks.push(memory_chunk(data)?);
        }
        Ok(())
    }

    /// Appends a body chunk from the kernel's fragment cache ([`Queue::add_fragment`]):
    /// `name` is the fragment's name as NUL-terminated UTF-16 ([`super::wide`]), referenced
    /// like the other chunks' bytes. Under Wine 8, sending such a chunk fails with
    /// `ERROR_CALL_NOT_IMPLEMENTED`.
    pub fn add_fragment(&mut self, name: &[u16]) -> io::Result<()> {
        let units = name.iter().position(|&u| u == 0).unwrap_or(name.len());
        let bytes = u16::try_from(units * 2)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "fragment name over 32 K units"))?;
        room(self.chunks.len())?;
        self.chunks.push(HTTP_DATA_CHUNK {
            DataChunkType: HttpDataChunkFromFragmentCache,
            Anonymous: HTTP_DATA_CHUNK_0 {
                FromFragmentCache: HTTP_DATA_CHUNK_0_2 { FragmentNameLength: bytes, pFragmentName: name.as_ptr() },
            },
        });
        Ok(())
    }

    /// How many body chunks the frame has.
    pub fn chunk_count(&self) -> usize {
        self.chunks.len()
    }

    /// Points the response at the header and chunk arrays (their addresses are final once
    /// nothing more is added).
    fn seal(&mut self) -> *const HTTP_RESPONSE_V2 {
        let h = &mut self.response.Base.Headers;
        h.UnknownHeaderCount = self.unknown.len() as u16;
        h.pUnknownHeaders = if self.unknown.is_empty() { ptr::null_mut() } else { self.unknown.as_mut_ptr() };
        self.response.Base.EntityChunkCount = self.chunks.len() as u16;
        self.response.Base.pEntityChunks =
            if self.chunks.is_empty() { ptr::null_mut() } else { self.chunks.as_mut_ptr() };
        &raw const self.response
    }
}

/// http.sys counts headers and chunks in 16 bits: one more must still fit.
fn room(count: usize) -> io::Result<()> {
    if count < usize::from(u16::MAX) {
        Ok(())
    } else {
        Err(io::Error::new(io::ErrorKind::InvalidInput, "over 65,535 headers or chunks"))
    }
}

fn header_len(b: &[u8]) -> io::Result<u16> {
    u16::try_from(b.len()).map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "header over 64 KiB"))
}

/// An 8-byte aligned buffer for received requests.
#[derive(Debug, Clone)]
pub struct RequestBuffer(Vec<u64>);

impl RequestBuffer {
    /// A buffer of at least `bytes` bytes.
    pub fn new(bytes: usize) -> RequestBuffer {
        RequestBuffer(vec![0; bytes.div_ceil(8).max(size_of::<HTTP_REQUEST_V2>().div_ceil(8))])
    }

    /// Its size in bytes.
    pub fn len(&self) -> usize {
        self.0.len() * 8
    }

    /// Always false: a buffer holds at least one request structure.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Grows it to at least `bytes` (the contents are not kept).
    pub fn grow(&mut self, bytes: usize) {
        if bytes > self.len() {
            self.0 = vec![0; bytes.div_ceil(8)];
        }
    }

    /// The pointer to receive into.
    pub fn as_mut_ptr(&mut self) -> *mut u8 {
        self.0.as_mut_ptr().cast()
    }

    /// The bytes.
    pub fn bytes(&self) -> &[u8] {
        // SAFETY: a u64 slice seen as its bytes: same memory, alignment 1 <= 8, the length
        // in bytes is exact.
        unsafe { std::slice::from_raw_parts(self.0.as_ptr().cast(), self.0.len() * 8) }
    }

    /// The request id http.sys wrote at the start of a receive that ended with
    /// `ERROR_MORE_DATA` (to receive the rest with a bigger buffer).
    pub fn request_id(&self) -> u64 {
        read_at::<u64>(self.bytes(), offset_of!(HTTP_REQUEST_V1, RequestId)).unwrap_or(0)
    }
}

/// A plain-data value at `offset` of `buf`, read unaligned; `None` when it does not fit.
fn read_at<T: Copy>(buf: &[u8], offset: usize) -> Option<T> {
    let end = offset.checked_add(size_of::<T>())?;
    if end > buf.len() {
        return None;
    }
    // SAFETY: `offset..end` is inside `buf`; T is plain data (integers, pointers, structs
    // of them), valid for any bytes; the read is unaligned.
    Some(unsafe { ptr::read_unaligned(buf.as_ptr().add(offset).cast::<T>()) })
}

/// The offset in `buf` of a pointer http.sys wrote, if `len` bytes from it lie in `buf`.
fn offset_in(buf: &[u8], p: *const u8, len: usize) -> Option<usize> {
    let start = (p as usize).checked_sub(buf.as_ptr() as usize)?;
    (start.checked_add(len)? <= buf.len()).then_some(start)
}

/// A method as http.sys parsed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verb {
    /// One of the verbs http.sys knows, by name (`GET`, `PROPFIND`, ...).
    Known(&'static str),
    /// Any other token, as sent: where it is in the buffer (`None` when http.sys gave none
    /// inside it).
    Unknown(Option<Range>),
}

/// A received request, read in place from its buffer: every pointer is checked to lie in
/// the buffer, every structure is read unaligned.
#[derive(Clone, Copy)]
pub struct Received<'a> {
    buf: &'a [u8],
    req: HTTP_REQUEST_V1,
}

impl std::fmt::Debug for Received<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Received").field("id", &self.id()).field("verb", &self.verb()).finish()
    }
}

/// The byte range of a request's part within its buffer.
pub type Range = std::ops::Range<usize>;

impl<'a> Received<'a> {
    /// The request in the first `len` bytes of `buf` (what a receive's completion reported);
    /// `None` when they cannot hold one.
    pub fn new(buf: &'a [u8]) -> Option<Received<'a>> {
        let req = read_at::<HTTP_REQUEST_V1>(buf, 0)?;
        Some(Received { buf, req })
    }

    /// The buffer it is read from.
    pub fn buffer(&self) -> &'a [u8] {
        self.buf
    }

    /// http.sys's id of the request (to receive its body and send its response).
    pub fn id(&self) -> u64 {
        self.req.RequestId
    }

    /// The id of its connection.
    pub fn connection_id(&self) -> u64 {
        self.req.ConnectionId
    }

    /// The context of the URL (prefix) it matched, as registered.
    pub fn url_context(&self) -> u64 {
        self.req.UrlContext
    }

    /// The HTTP version.
    pub fn version(&self) -> (u16, u16) {
        (self.req.Version.MajorVersion, self.req.Version.MinorVersion)
    }

    /// The method.
    pub fn verb(&self) -> Verb {
        // http.sys's verb numbers (HttpVerbOPTIONS = 3 ... HttpVerbSEARCH = 19).
        const KNOWN: [&str; 17] = [
            "OPTIONS",
            "GET",
            "HEAD",
            "POST",
            "PUT",
            "DELETE",
            "TRACE",
            "CONNECT",
            "TRACK",
            "MOVE",
            "COPY",
            "PROPFIND",
            "PROPPATCH",
            "MKCOL",
            "LOCK",
            "UNLOCK",
            "SEARCH",
        ];
        match self
            .req
            .Verb
            .checked_sub(HttpVerbOPTIONS)
            .and_then(|i| usize::try_from(i).ok())
            .and_then(|i| KNOWN.get(i))
        {
            Some(name) => Verb::Known(name),
            None => {
                let len = usize::from(self.req.UnknownVerbLength);
                Verb::Unknown(self.range(self.req.pUnknownVerb, len).filter(|r| !r.is_empty()))
            }
        }
    }

    fn slice(&self, p: *const u8, len: usize) -> Option<&'a [u8]> {
        if len == 0 {
            return Some(&[]);
        }
        let start = offset_in(self.buf, p, len)?;
        self.buf.get(start..start + len)
    }

    fn range(&self, p: *const u8, len: usize) -> Option<Range> {
        if len == 0 {
            return Some(0..0);
        }
        let start = offset_in(self.buf, p, len)?;
        Some(start..start + len)
    }

    /// Where the raw URL (the request target as sent) is in the buffer; `None` if http.sys
    /// gave none inside it.
    pub fn raw_url(&self) -> Option<Range> {
        self.range(self.req.pRawUrl, usize::from(self.req.RawUrlLength))
    }

    /// The cooked URL's parts (full URL, host, absolute path, query), decoded from UTF-16
    /// (read bytewise: Wine leaves them unaligned).
    pub fn cooked_url(&self) -> CookedUrl {
        let c = &self.req.CookedUrl;
        let text = |p: *const u16, bytes: u16| -> String {
            let Some(b) = self.slice(p.cast(), usize::from(bytes)) else { return String::new() };
            let units: Vec<u16> = b.chunks_exact(2).map(|w| u16::from_le_bytes([w[0], w[1]])).collect();
            String::from_utf16_lossy(&units)
        };
        CookedUrl {
            full: text(c.pFullUrl, c.FullUrlLength),
            host: text(c.pHost, c.HostLength),
            path: text(c.pAbsPath, c.AbsPathLength),
            query: text(c.pQueryString, c.QueryStringLength),
        }
    }

    /// A header http.sys knows, by its request-header id (`HttpHeaderHost`, ...): where its
    /// value is in the buffer.
    pub fn known_header(&self, id: usize) -> Option<Range> {
        let h = self.req.Headers.KnownHeaders.get(id)?;
        if h.pRawValue.is_null() {
            return None;
        }
        self.range(h.pRawValue, usize::from(h.RawValueLength))
    }

    /// The other headers, in the order received: (name, value) ranges in the buffer.
    /// Entries that do not lie in the buffer are skipped.
    pub fn unknown_headers(&self) -> impl Iterator<Item = (Range, Range)> + 'a {
        let this = *self;
        let n = usize::from(self.req.Headers.UnknownHeaderCount);
        let base = self.req.Headers.pUnknownHeaders as *const u8;
        let array = offset_in(self.buf, base, n * size_of::<HTTP_UNKNOWN_HEADER>());
        (0..if array.is_some() { n } else { 0 }).filter_map(move |i| {
            let at = array? + i * size_of::<HTTP_UNKNOWN_HEADER>();
            let h = read_at::<HTTP_UNKNOWN_HEADER>(this.buf, at)?;
            Some((
                this.range(h.pName, usize::from(h.NameLength))?,
                this.range(h.pRawValue, usize::from(h.RawValueLength))?,
            ))
        })
    }

    /// Whether more of the body waits to be read with [`Queue::receive_body`].
    pub fn more_body(&self) -> bool {
        self.req.Flags & HTTP_REQUEST_FLAG_MORE_ENTITY_BODY_EXISTS != 0
    }

    /// The parts of the body that came with the request (memory chunks), as ranges.
    pub fn body_chunks(&self) -> impl Iterator<Item = Range> + 'a {
        let this = *self;
        let n = usize::from(self.req.EntityChunkCount);
        let base = self.req.pEntityChunks as *const u8;
        let array = offset_in(self.buf, base, n * size_of::<HTTP_DATA_CHUNK>());
        (0..if array.is_some() { n } else { 0 }).filter_map(move |i| {
            let at = array? + i * size_of::<HTTP_DATA_CHUNK>();
            let c = read_at::<HTTP_DATA_CHUNK>(this.buf, at)?;
            if c.DataChunkType != HttpDataChunkFromMemory {
                return None;
            }
            // SAFETY: the type says which member of the union is written.
            let m = unsafe { c.Anonymous.FromMemory };
            this.range(m.pBuffer as *const u8, m.BufferLength as usize)
        })
    }

    /// The client's address.
    pub fn remote_addr(&self) -> Option<SocketAddr> {
        self.sockaddr(self.req.Address.pRemoteAddress as *const u8)
    }

    /// The local address the request came in on.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.sockaddr(self.req.Address.pLocalAddress as *const u8)
    }

    fn sockaddr(&self, p: *const u8) -> Option<SocketAddr> {
        let at = offset_in(self.buf, p, 2)?;
        let family = read_at::<u16>(self.buf, at)?;
        if family == AF_INET {
            let a = read_at::<SOCKADDR_IN>(self.buf, at)?;
            // SAFETY: the union's IPv4 member is plain bytes.
            let ip = Ipv4Addr::from(u32::from_be(unsafe { a.sin_addr.S_un.S_addr }));
            Some(SocketAddr::V4(SocketAddrV4::new(ip, u16::from_be(a.sin_port))))
        } else if family == AF_INET6 {
            let a = read_at::<SOCKADDR_IN6>(self.buf, at)?;
            // SAFETY: the union's byte member is plain bytes.
            let ip = Ipv6Addr::from(unsafe { a.sin6_addr.u.Byte });
            Some(SocketAddr::V6(SocketAddrV6::new(ip, u16::from_be(a.sin6_port), a.sin6_flowinfo, 0)))
        } else {
            None
        }
    }
}

/// A request's cooked URL, decoded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CookedUrl {
    /// `http://host:port/path?query`.
    pub full: String,
    /// `host:port`.
    pub host: String,
    /// The path, decoded.
    pub path: String,
    /// The query with its `?`, or empty.
    pub query: String,
}
