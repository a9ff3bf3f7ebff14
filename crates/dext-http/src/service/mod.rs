//! What a driver runs: [`Request`] (a parsed head, route parameters and body, all borrowed),
//! the [`Handler`] signature, and [`App`], a router of handlers.
//!
//! Handlers are `async fn`s that borrow the request and fill in a reusable [`Response`]:
//!
//! ```
//! use dext_http::{App, Request, Response};
//!
//! async fn user(req: &Request<'_>, res: &mut Response) {
//!     let id = req.param("id").unwrap_or("?");
//!     res.content_type("text/plain").write("user ").write(id);
//! }
//!
//! let app = App::new().get("/users/:id", user);
//! # let _ = app;
//! ```
//!
//! Neither routing nor calling a handler allocates: the router's parameters live in fixed
//! storage, and the handler's future is erased into inline storage ([`HandlerFuture`]) rather
//! than boxed.

mod body;
#[allow(unsafe_code)]
mod inline;
#[cfg(test)]
mod tests;

pub use body::{Body, BodyError, BodyMode, BodyReader, BodySource};
pub use inline::{HandlerFuture, INLINE_CAPACITY};

use core::pin::{Pin, pin};

use crate::h1::{RequestHead, TargetForm};
use crate::router::{InsertError, Lookup, Params, Router, TrailingSlash};
use crate::{Method, Response, StatusCode};
use core::future::Future;

/// A request as a handler sees it: views into the connection's read buffer.
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    head: RequestHead<'a, 'a>,
    params: &'a Params<'a, 'a>,
    pattern: &'a str,
    body: Body<'a>,
    addrs: &'a Addresses,
}

/// Where a request came from, and the address it came in on, as the driver knows them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Addresses {
    /// The client's address.
    pub remote: Option<std::net::SocketAddr>,
    /// The server's address the connection was made to.
    pub local: Option<std::net::SocketAddr>,
}

impl Addresses {
    /// Neither known.
    pub const UNKNOWN: Addresses = Addresses { remote: None, local: None };
}

static UNKNOWN_ADDRESSES: Addresses = Addresses::UNKNOWN;

impl<'a> Request<'a> {
    /// A request from its parts (drivers and tests build these).
    pub fn new(head: RequestHead<'a, 'a>, params: &'a Params<'a, 'a>, pattern: &'a str, body: Body<'a>) -> Request<'a> {
        Request { head, params, pattern, body, addrs: &UNKNOWN_ADDRESSES }
    }

    /// The same request, with the addresses of its connection.
    pub fn with_addresses(self, addrs: &'a Addresses) -> Request<'a> {
        Request { addrs, ..self }
    }

    /// The client's address, when the driver knows it.
    pub fn remote_addr(&self) -> Option<std::net::SocketAddr> {
        self.addrs.remote
    }

    /// The server's address the request came in on, when the driver knows it.
    pub fn local_addr(&self) -> Option<std::net::SocketAddr> {
        self.addrs.local
    }

    /// The parsed head: method, target, version, headers.
    pub fn head(&self) -> &RequestHead<'a, 'a> {
        &self.head
    }

    /// The method.
    pub fn method(&self) -> Method {
        self.head.method()
    }

    /// The path, percent-encoded.
    pub fn path(&self) -> &'a str {
        self.head.path()
    }

    /// The query string without `?`.
    pub fn query(&self) -> Option<&'a str> {
        self.head.query()
    }

    /// The first header named `name` (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&'a [u8]> {
        self.head.header(name)
    }

    /// A route parameter, raw (still percent-encoded); see [`Request::params`] to decode.
    pub fn param(&self, name: &str) -> Option<&'a str> {
        self.params.get(name).map(|p| p.raw())
    }

    /// All route parameters.
    pub fn params(&self) -> &'a Params<'a, 'a> {
        self.params
    }

    /// The pattern of the route that matched, such as `/users/:id`.
    pub fn route(&self) -> &'a str {
        self.pattern
    }

    /// The request body after transfer decoding, on a route that buffers bodies (the
    /// default). Empty on a [`BodyMode::Streamed`] route: read it with
    /// [`Request::body_reader`] there.
    pub fn body(&self) -> &'a [u8] {
        match self.body {
            Body::Full(b) => b,
            Body::Stream(_) => &[],
        }
    }

    /// A reader of the body from its start, on any route (see [`BodyReader`]).
    pub fn body_reader(&self) -> BodyReader<'a> {
        BodyReader::new(self.body)
    }

    /// Whether the body is streamed to the handler (read it with [`Request::body_reader`]).
    pub fn is_body_streamed(&self) -> bool {
        matches!(self.body, Body::Stream(_))
    }
}

/// A request handler. Implemented for every `async fn(&Request<'_>, &mut Response)`.
pub trait Handler: Send + Sync + 'static {
    /// Handles one request by filling in `res`.
    fn call<'a>(&'a self, req: &'a Request<'a>, res: &'a mut Response) -> HandlerFuture<'a>;

    /// As [`Handler::call`], with the future built in `slot` rather than returned (which
    /// saves moving its inline storage; see [`HandlerFuture::emplace`]).
    fn call_in<'a>(
        &'a self,
        req: &'a Request<'a>,
        res: &'a mut Response,
        mut slot: Pin<&mut Option<HandlerFuture<'a>>>,
    ) {
        slot.set(Some(self.call(req, res)));
    }
}

/// The shape of an async handler function for one lifetime `'a`. Stating it per lifetime
/// lets `async fn`s, whose futures borrow their arguments, be handlers.
pub trait HandlerFn<'a>: Send + Sync {
    /// The handler's future.
    type Future: Future<Output = ()> + Send + 'a;
    /// Calls the function.
    fn call(&self, req: &'a Request<'a>, res: &'a mut Response) -> Self::Future;
}

impl<'a, F, Fut> HandlerFn<'a> for F
where
    F: Fn(&'a Request<'a>, &'a mut Response) -> Fut + Send + Sync,
    Fut: Future<Output = ()> + Send + 'a,
{
    type Future = Fut;

    fn call(&self, req: &'a Request<'a>, res: &'a mut Response) -> Fut {
        self(req, res)
    }
}

impl<F> Handler for F
where
    F: for<'a> HandlerFn<'a> + 'static,
{
    fn call<'a>(&'a self, req: &'a Request<'a>, res: &'a mut Response) -> HandlerFuture<'a> {
        HandlerFuture::new(HandlerFn::call(self, req, res))
    }

    fn call_in<'a>(&'a self, req: &'a Request<'a>, res: &'a mut Response, slot: Pin<&mut Option<HandlerFuture<'a>>>) {
        HandlerFuture::emplace(slot, HandlerFn::call(self, req, res));
    }
}

/// Handlers by method and path, and the answers for requests that match none.
///
/// - no route for the path: 404;
/// - a route for the path but not for the method: 405 with `Allow`;
/// - a method this server does not know (`Method::Other`): 501;
/// - the path with its trailing slash added or removed would match: 308 to it (see
///   [`TrailingSlash`]).
pub struct App {
    router: Router<Route>,
    /// Every method some route answers, for `OPTIONS *`.
    methods: [bool; Method::ALL.len()],
    /// Whether some route streams bodies; without one, [`App::body_mode`] needs no lookup.
    streams: bool,
}

/// A route's handler and how it receives request bodies.
pub struct Route {
    handler: Box<dyn Handler>,
    body: BodyMode,
}

impl Route {
    /// The handler.
    pub fn handler(&self) -> &dyn Handler {
        &*self.handler
    }

    /// How the handler receives request bodies.
    pub fn body_mode(&self) -> BodyMode {
        self.body
    }
}

impl Default for App {
    fn default() -> Self {
        App::new()
    }
}

impl core::fmt::Debug for App {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("App").field("routes", &self.router.len()).finish()
    }
}

impl App {
    /// An app with no routes; trailing slashes redirect.
    pub fn new() -> App {
        App::with_trailing_slash(TrailingSlash::default())
    }

    /// An app with no routes and the given trailing-slash policy.
    pub fn with_trailing_slash(policy: TrailingSlash) -> App {
        App { router: Router::with_trailing_slash(policy), methods: [false; Method::ALL.len()], streams: false }
    }

    /// Adds a route whose handler gets buffered request bodies.
    pub fn try_route(&mut self, method: Method, path: &str, handler: impl Handler) -> Result<(), InsertError> {
        self.try_route_with(method, path, BodyMode::Buffered, handler)
    }

    /// Adds a route whose handler gets request bodies as `body` says.
    pub fn try_route_with(
        &mut self,
        method: Method,
        path: &str,
        body: BodyMode,
        handler: impl Handler,
    ) -> Result<(), InsertError> {
        self.router.insert(method, path, Route { handler: Box::new(handler), body })?;
        self.streams |= body == BodyMode::Streamed;
        if let Some(i) = Method::ALL.iter().position(|&m| m == method) {
            self.methods[i] = true;
        }
        if method == Method::Get {
            self.methods[Method::Head as usize] = true;
        }
        Ok(())
    }

    /// Adds a route, builder style.
    ///
    /// # Panics
    /// If the route is invalid or conflicts with another: a programming error, found at start-up.
    /// Use [`App::try_route`] to handle it instead.
    pub fn route(mut self, method: Method, path: &str, handler: impl Handler) -> App {
        if let Err(e) = self.try_route(method, path, handler) {
            panic!("route {} {path}: {e}", method.as_str());
        }
        self
    }

    /// Adds a route whose handler gets request bodies as `body` says, builder style: with
    /// [`BodyMode::Streamed`], the handler reads the body while it arrives
    /// ([`Request::body_reader`]).
    ///
    /// # Panics
    /// As [`App::route`].
    pub fn route_with(mut self, method: Method, path: &str, body: BodyMode, handler: impl Handler) -> App {
        if let Err(e) = self.try_route_with(method, path, body, handler) {
            panic!("route {} {path}: {e}", method.as_str());
        }
        self
    }

    /// Adds a GET route (HEAD is answered by it too). See [`App::route`].
    pub fn get(self, path: &str, handler: impl Handler) -> App {
        self.route(Method::Get, path, handler)
    }

    /// Adds a POST route. See [`App::route`].
    pub fn post(self, path: &str, handler: impl Handler) -> App {
        self.route(Method::Post, path, handler)
    }

    /// Adds a PUT route. See [`App::route`].
    pub fn put(self, path: &str, handler: impl Handler) -> App {
        self.route(Method::Put, path, handler)
    }

    /// Adds a DELETE route. See [`App::route`].
    pub fn delete(self, path: &str, handler: impl Handler) -> App {
        self.route(Method::Delete, path, handler)
    }

    /// The router.
    pub fn router(&self) -> &Router<Route> {
        &self.router
    }

    /// How the request's route takes bodies: drivers ask before reading a body, to read it
    /// whole or hand it over as a [`Body::Stream`]. Requests that match no route get their
    /// bodies buffered (and then a 404 or 405), which keeps the connection usable.
    pub fn body_mode(&self, head: &RequestHead<'_, '_>) -> BodyMode {
        if !self.streams {
            return BodyMode::Buffered;
        }
        match self.router.at(head.method(), head.path()) {
            Lookup::Found(m) => m.value.body,
            _ => BodyMode::Buffered,
        }
    }

    /// Routes the request and runs its handler (or writes the 404/405/501/308 answer) into
    /// `res`, which is reset first. `body` is the whole body or, for a route that streams
    /// bodies ([`App::body_mode`]), its source. Returns the pattern of the route that
    /// matched (`/users/:id`), for telemetry; `None` when none did.
    pub async fn serve<'s: 'a, 'a>(
        &'s self,
        head: RequestHead<'a, 'a>,
        body: Body<'a>,
        res: &'a mut Response,
    ) -> Option<&'s str> {
        self.serve_from(head, body, res, &UNKNOWN_ADDRESSES).await
    }

    /// [`App::serve`] for a request whose connection's addresses the driver knows: the
    /// handler finds them in [`Request::remote_addr`] and [`Request::local_addr`].
    pub async fn serve_from<'s: 'a, 'a>(
        &'s self,
        head: RequestHead<'a, 'a>,
        body: Body<'a>,
        res: &'a mut Response,
        addrs: &'a Addresses,
    ) -> Option<&'s str> {
        res.reset();
        if head.method() == Method::Other {
            res.set_status(StatusCode::NOT_IMPLEMENTED);
            return None;
        }
        if head.target_form() == TargetForm::Asterisk {
            // `OPTIONS *` asks about the server as a whole (RFC 9110 section 9.3.7).
            res.set_status(StatusCode::NO_CONTENT);
            let methods = Method::ALL.iter().zip(self.methods).filter_map(|(&m, on)| on.then_some(m));
            write_allow(res, methods.chain((!self.methods[Method::Options as usize]).then_some(Method::Options)));
            return None;
        }
        let router: &'s Router<Route> = &self.router;
        match router.at(head.method(), head.path()) {
            Lookup::Found(m) => {
                let req = Request::new(head, &m.params, m.pattern, body).with_addresses(addrs);
                // Built in place and awaited through a pointer: the future is not moved.
                let mut fut = pin!(None);
                m.value.handler.call_in(&req, res, fut.as_mut());
                if let Some(fut) = fut.as_mut().as_pin_mut() {
                    fut.await;
                }
                return Some(m.pattern);
            }
            Lookup::MethodNotAllowed(allow) => {
                res.set_status(StatusCode::METHOD_NOT_ALLOWED);
                write_allow(res, allow.iter());
            }
            Lookup::Redirect(to) => {
                res.set_status(StatusCode::PERMANENT_REDIRECT);
                let slash: &[u8] = if to.add_slash { b"/" } else { b"" };
                let query = head.query();
                let (q, query) = match query {
                    Some(q) => (&b"?"[..], q.as_bytes()),
                    None => (&b""[..], &b""[..]),
                };
                res.header_parts("Location", &[to.path.as_bytes(), slash, q, query]);
            }
            Lookup::NotFound => {
                res.set_status(StatusCode::NOT_FOUND);
            }
        }
        None
    }
}

/// Writes an `Allow` header listing `methods`, through a stack buffer (no allocation).
fn write_allow(res: &mut Response, methods: impl Iterator<Item = Method>) {
    // The longest value (all nine methods, each once) is 60 bytes.
    let mut value = [0u8; 96];
    let mut len = 0;
    for (i, method) in methods.enumerate() {
        let sep: &[u8] = if i == 0 { b"" } else { b", " };
        for part in [sep, method.as_str().as_bytes()] {
            if let Some(slot) = value.get_mut(len..len + part.len()) {
                slot.copy_from_slice(part);
                len += part.len();
            }
        }
    }
    res.header("Allow", &value[..len]);
}
