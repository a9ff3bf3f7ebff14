//! Ctrl-C stops the http.sys server gracefully, as SIGINT stops the Linux one: the console
//! control handler that `serve` installs turns the event into a stop of `run`, instead of the
//! end of the process. A binary of its own (under Wine, a stopped server's queue leaves the
//! driver in a state a second server in the same process should not meet).
#![cfg(windows)]

use std::sync::mpsc;
use std::time::Duration;

use dext_http::{App, Request, Response};
use dext_server::Server;

async fn hello(_req: &Request<'_>, res: &mut Response) {
    res.set_static_body(b"hello");
}

#[test]
fn ctrl_c_stops_the_server_gracefully() {
    let server = Server::builder().bind("127.0.0.1:0").workers(1).serve(App::new().get("/", hello)).unwrap();
    let (done, stopped) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(server.run());
    });
    std::thread::sleep(Duration::from_millis(100));
    if let Err(e) = dext_sys::windows::send_ctrl_c() {
        println!("SKIP: no console to send Ctrl-C to ({e}); the console handler is untested here");
        return;
    }
    // Without the handler, Ctrl-C would have ended this process; with it, `run` returns.
    let result = stopped.recv_timeout(Duration::from_secs(20)).expect("run did not return after Ctrl-C");
    assert!(result.unwrap(), "exchanges did not finish within the grace period");
}
