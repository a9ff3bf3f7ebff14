//! The demo server: `cargo run --release` at the workspace root.
//!
//! ```text
//! dext [--host ADDR] [--port N] [--workers N] [--telemetry on|off] [--sample RATIO] [--otlp HOST:PORT]
//!      [--backend epoll|httpsys] [--prefix URL]...
//! ```
//!
//! The environment variables `HOST`, `PORT`, `WORKERS`, `TELEMETRY`, `SAMPLE`, `OTLP`,
//! `BACKEND` and `HTTPSYS_PREFIX` set the same (flags win). The backend is the platform's: `epoll` on
//! Linux, `httpsys` (the kernel's HTTP driver) on Windows, where `--prefix` registers URL
//! prefixes to serve (`http://+:8080/app/`, several processes sharing a port by prefix)
//! instead of `http://HOST:PORT/`. Defaults: 127.0.0.1, 8080, one worker per CPU this process may run
//! on (`taskset -c 0` gives one), telemetry off. With telemetry on, every request is counted
//! in the HTTP server metrics (served at `/metrics`) and a `SAMPLE` fraction of traces (0.1)
//! get a server span, continuing an incoming `traceparent`; spans and logs go to the OTLP/HTTP
//! receiver at `OTLP` (metrics too, every 10 s), or are drained and dropped without one.
//! Stops gracefully on SIGINT (Ctrl-C) or SIGTERM.

use std::process::ExitCode;

use std::net::SocketAddr;
use std::time::Duration;

use dext::telemetry::trace::{Sampler, TracerProvider};
use dext::{HttpTelemetry, Server};

struct Options {
    /// URL prefixes for the httpsys backend (empty on Linux, where `--prefix` is refused).
    #[cfg_attr(not(windows), allow(dead_code))]
    prefixes: Vec<String>,
    host: String,
    port: u16,
    workers: Option<usize>,
    telemetry: bool,
    sample: f64,
    otlp: Option<SocketAddr>,
}

const USAGE: &str = "usage: dext [--host ADDR] [--port N] [--workers N] [--telemetry on|off] [--sample RATIO] \
                     [--otlp HOST:PORT] [--backend epoll|httpsys] [--prefix URL]...  (or HOST, PORT, WORKERS, \
                     TELEMETRY, SAMPLE, OTLP, BACKEND, HTTPSYS_PREFIX)";

/// The I/O backend the demo serves on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    /// Dext's own epoll runtime (Linux).
    Epoll,
    /// The kernel's HTTP driver, http.sys (Windows).
    HttpSys,
}

impl Backend {
    /// The one this platform has.
    const NATIVE: Backend = if cfg!(windows) { Backend::HttpSys } else { Backend::Epoll };
}

fn options() -> Result<Options, String> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let mut host = env("HOST");
    let mut port = env("PORT");
    let mut workers = env("WORKERS");
    let mut telemetry = env("TELEMETRY");
    let mut sample = env("SAMPLE");
    let mut otlp = env("OTLP");
    let mut backend = env("BACKEND");
    let mut prefixes: Vec<String> = env("HTTPSYS_PREFIX").into_iter().collect();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) => (f.to_string(), Some(v.to_string())),
            None => (arg.clone(), None),
        };
        let slot = match flag.as_str() {
            "--host" => &mut host,
            "--port" => &mut port,
            "--workers" => &mut workers,
            "--telemetry" => &mut telemetry,
            "--sample" => &mut sample,
            "--otlp" => &mut otlp,
            "--backend" => &mut backend,
            "--prefix" => {
                prefixes.push(inline.or_else(|| args.next()).ok_or_else(|| format!("{flag} needs a value"))?);
                continue;
            }
            "-h" | "--help" => return Err(USAGE.to_string()),
            _ => return Err(format!("unknown argument {arg:?}\n{USAGE}")),
        };
        *slot = Some(inline.or_else(|| args.next()).ok_or_else(|| format!("{flag} needs a value"))?);
    }
    let port = match port {
        Some(p) => p.parse().map_err(|_| format!("invalid port {p:?}"))?,
        None => 8080,
    };
    let workers = match workers {
        Some(w) => {
            Some(w.parse::<usize>().ok().filter(|&n| n > 0).ok_or_else(|| format!("invalid worker count {w:?}"))?)
        }
        None => None,
    };
    let telemetry = match telemetry.as_deref() {
        None | Some("off") => false,
        Some("on") => true,
        Some(t) => return Err(format!("--telemetry is on or off, not {t:?}")),
    };
    let sample = match sample {
        Some(s) => s
            .parse::<f64>()
            .ok()
            .filter(|p| (0.0..=1.0).contains(p))
            .ok_or_else(|| format!("invalid sample ratio {s:?}"))?,
        None => 0.1,
    };
    let otlp = match otlp {
        Some(a) => Some(a.parse::<SocketAddr>().map_err(|_| format!("invalid OTLP address {a:?} (HOST:PORT)"))?),
        None => None,
    };
    let backend = match backend.as_deref() {
        None => Backend::NATIVE,
        Some("epoll") => Backend::Epoll,
        Some("httpsys") => Backend::HttpSys,
        Some(b) => return Err(format!("--backend is epoll or httpsys, not {b:?}")),
    };
    if backend != Backend::NATIVE {
        let (name, platform) = if backend == Backend::Epoll { ("epoll", "Linux") } else { ("httpsys", "Windows") };
        return Err(format!("the {name} backend runs on {platform} only"));
    }
    if !prefixes.is_empty() && backend != Backend::HttpSys {
        return Err("--prefix is for the httpsys backend".to_string());
    }
    Ok(Options {
        prefixes,
        host: host.unwrap_or_else(|| "127.0.0.1".to_string()),
        port,
        workers,
        telemetry,
        sample,
        otlp,
    })
}

fn main() -> ExitCode {
    let opts = match options() {
        Ok(o) => o,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    let mut builder = Server::builder().bind((opts.host.as_str(), opts.port));
    #[cfg(windows)]
    for prefix in &opts.prefixes {
        builder = builder.prefix(prefix.clone());
    }
    if let Some(n) = opts.workers {
        builder = builder.workers(n);
    }
    // Kept alive until the server stops; dropping it flushes what is queued.
    let mut _exporter = None;
    if opts.telemetry {
        let tracer = TracerProvider::new(Sampler::parent_based(Sampler::ratio(opts.sample)))
            .tracer("dext-server", Some(env!("CARGO_PKG_VERSION")));
        builder = builder.telemetry(HttpTelemetry::new().with_tracer(tracer).with_metrics(dext::demo::registry()));
        match opts.otlp {
            Some(endpoint) => {
                let mut config = dext::server::telemetry::OtlpConfig::new(endpoint);
                config.resource = vec![("service.name", "dext-demo".to_string())];
                config.metrics = Some((dext::demo::registry().clone(), Duration::from_secs(10)));
                match dext::server::telemetry::OtlpExporter::start(config) {
                    Ok(e) => _exporter = Some(e),
                    Err(e) => eprintln!("dext: cannot start the OTLP exporter: {e}"),
                }
            }
            None => {
                // No receiver: finished spans and logs are drained and dropped, so that the
                // queues never fill (a request then pays what it pays with a receiver).
                std::thread::Builder::new()
                    .name("dext-drain".into())
                    .spawn(|| {
                        loop {
                            dext::telemetry::trace::drain_spans(usize::MAX, |_| {});
                            dext::telemetry::log::drain_logs(usize::MAX, |_| {});
                            std::thread::sleep(Duration::from_millis(10));
                        }
                    })
                    .ok();
            }
        }
    }
    let server = match builder.serve(dext::demo::app()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("dext: cannot listen on {}:{}: {e}", opts.host, opts.port);
            return ExitCode::FAILURE;
        }
    };
    #[cfg(windows)]
    println!("dext demo server (http.sys) serving {} ({} workers)", server.prefixes().join(" "), server.workers());
    #[cfg(not(windows))]
    println!("dext demo server listening on http://{} ({} workers)", server.local_addr(), server.workers());
    match server.run() {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dext: {e}");
            ExitCode::FAILURE
        }
    }
}
