//! The demo server: `cargo run --release` at the workspace root.
//!
//! ```text
//! dext [--host ADDR] [--port N] [--workers N]
//! ```
//!
//! The environment variables `HOST`, `PORT` and `WORKERS` set the same (flags win). Defaults:
//! 127.0.0.1, 8080, one worker per CPU this process may run on (`taskset -c 0` gives one).
//! Stops gracefully on SIGINT (Ctrl-C) or SIGTERM.

use std::process::ExitCode;

use dext::Server;

struct Options {
    host: String,
    port: u16,
    workers: Option<usize>,
}

const USAGE: &str = "usage: dext [--host ADDR] [--port N] [--workers N]  (or HOST, PORT, WORKERS)";

fn options() -> Result<Options, String> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let mut host = env("HOST");
    let mut port = env("PORT");
    let mut workers = env("WORKERS");
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
    Ok(Options { host: host.unwrap_or_else(|| "127.0.0.1".to_string()), port, workers })
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
    if let Some(n) = opts.workers {
        builder = builder.workers(n);
    }
    let server = match builder.serve(dext::demo::app()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("dext: cannot listen on {}:{}: {e}", opts.host, opts.port);
            return ExitCode::FAILURE;
        }
    };
    println!("dext demo server listening on http://{} ({} workers)", server.local_addr(), server.workers());
    match server.run() {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dext: {e}");
            ExitCode::FAILURE
        }
    }
}
