//! Request routing: maps a method and a path to a value, with captured parameters.
//!
//! [`Router`] is a radix (compressed prefix) tree over the path bytes. Routes are patterns made of:
//!
//! - static bytes: `/users/new` matches exactly that (byte-wise, so any UTF-8 works);
//! - `:name`: a whole non-empty segment, no `/` (`/users/:id` matches `/users/42`);
//! - `*name`: the rest of the path, `/` included and possibly empty; only as the last segment
//!   (`/files/*path` matches `/files/`, `/files/a/b.txt`).
//!
//! `:` and `*` are wildcards only at the start of a segment, and the name runs to the next `/`; elsewhere they
//! are ordinary bytes. Paths are matched as given: the router neither percent-decodes (see
//! [`Param::decode_into`]) nor collapses `//` or `.` segments, which is the caller's normalisation policy.
//!
//! When several routes match a path, static beats `:param` beats `*catch-all` at the first position where
//! they differ, and the search backtracks: a static branch that dead-ends further on falls back to the
//! wildcard at the same position (with `/users/new` and `/users/:id/posts`, `/users/new/posts` matches the
//! second). The search is also method-aware: a route that matches the path but has no value for the method is
//! skipped like a dead end, and only if no route serves the method is the answer
//! [`Lookup::MethodNotAllowed`], with the methods of every route that matched the path.
//!
//! A lookup never allocates: parameters are kept inline ([`Params`]), `405` comes with an [`Allow`] bitset,
//! and a trailing-slash redirect is described by a borrowed [`RedirectTo`].
//!
//! ```
//! use dext_http::Method;
//! use dext_http::router::{Lookup, Router};
//!
//! let mut router = Router::new();
//! router.insert(Method::Get, "/repos/:owner/:repo", "repo").unwrap();
//! router.insert(Method::Get, "/repos/:owner/:repo/issues/:number", "issue").unwrap();
//! match router.at(Method::Get, "/repos/rust-lang/rust/issues/1") {
//!     Lookup::Found(m) => {
//!         assert_eq!(*m.value, "issue");
//!         assert_eq!(m.params.get("number").map(|p| p.raw()), Some("1"));
//!     }
//!     other => panic!("{other:?}"),
//! }
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod allow;
mod params;
mod pattern;
mod tree;

#[cfg(test)]
mod tests;

use std::fmt;

use crate::Method;

pub use allow::{Allow, AllowIter};
pub use params::{DecodeError, MAX_PARAMS, Param, Params, ParamsIter};

use params::Captures;
use pattern::{Pattern, Tail};
use tree::Node;

/// What to do when a path misses only by a trailing slash (`/a/` against a route `/a`, or the reverse).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub enum TrailingSlash {
    /// `/a` and `/a/` are different paths; a miss is a miss.
    Strict,
    /// A path that matches no route, but would match some route (for any method) with its trailing slash
    /// removed or added, gets [`Lookup::Redirect`] to that path. The usual choice for sites: one canonical
    /// URL per resource.
    #[default]
    Redirect,
    /// A path that matches no route is matched again with its trailing slash removed or added, and that
    /// answer is returned as if it were the path's own.
    Ignore,
}

/// Why [`Router::insert`] refused a route.
#[derive(Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum InsertError {
    /// The route does not start with `/`.
    MissingLeadingSlash,
    /// The route already has a value for this method (same pattern, same parameter names).
    Duplicate {
        /// The method that was registered twice.
        method: Method,
    },
    /// Another route has a wildcard of the same kind at the same position under another name
    /// (`/u/:id` and `/u/:name`): one position of the tree has one name.
    ParamNameConflict {
        /// The name already in the tree.
        existing: String,
        /// The name of the refused route.
        new: String,
    },
    /// A `*name` catch-all is followed by more segments.
    CatchAllNotLast,
    /// A `:` or `*` that starts a segment has no name after it.
    EmptyParamName,
    /// The route uses the same parameter name twice (`/:id/x/:id`), so [`Params::get`] could not tell them
    /// apart.
    DuplicateParamName {
        /// The repeated name.
        name: String,
    },
    /// Routes cannot be registered for [`Method::Other`]: it stands for any unknown method.
    OtherMethod,
    /// The route has more than [`MAX_PARAMS`] parameters (`:name` and `*name` together).
    TooManyParams,
}

impl fmt::Display for InsertError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InsertError::MissingLeadingSlash => f.write_str("route must start with '/'"),
            InsertError::Duplicate { method } => write!(f, "route already has a {} value", method.as_str()),
            InsertError::ParamNameConflict { existing, new } => {
                write!(f, "parameter '{new}' conflicts with '{existing}' at the same position of another route")
            }
            InsertError::CatchAllNotLast => f.write_str("catch-all parameter must be the last segment"),
            InsertError::EmptyParamName => f.write_str("parameter name is empty"),
            InsertError::DuplicateParamName { name } => write!(f, "parameter name '{name}' is used twice"),
            InsertError::OtherMethod => f.write_str("routes cannot be registered for Method::Other"),
            InsertError::TooManyParams => write!(f, "route has more than {MAX_PARAMS} parameters"),
        }
    }
}

impl std::error::Error for InsertError {}

/// The answer of [`Router::at`].
// `Found` is far larger than the rest (the inline `Params`), but it is also the common answer, and boxing it
// would put an allocation on every lookup.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Lookup<'r, 'p, T> {
    /// A route matched the path and has a value for the method (or for `GET`, on a `HEAD` request).
    Found(Match<'r, 'p, T>),
    /// Routes matched the path, but none has a value for the method: answer `405` with this `Allow` header.
    MethodNotAllowed(Allow),
    /// No route matched, but the path with its trailing slash added or removed would: answer with a
    /// redirect (e.g. `308`) to this path, keeping the request's query string.
    Redirect(RedirectTo<'p>),
    /// No route matched.
    NotFound,
}

impl<T> Clone for Lookup<'_, '_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Lookup<'_, '_, T> {}

/// A matched route: its value and the parameters captured from the path.
#[derive(Debug)]
pub struct Match<'r, 'p, T> {
    /// The value registered for the route and method.
    pub value: &'r T,
    /// The captured parameters, in route order.
    pub params: Params<'r, 'p>,
    /// The pattern of the matched route as it was inserted (`/repos/:owner/:repo`), e.g. for metrics labels.
    pub pattern: &'r str,
}

impl<T> Clone for Match<'_, '_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Match<'_, '_, T> {}

/// The target of a trailing-slash redirect: `path`, plus a `/` when `add_slash`.
///
/// It borrows the request path so that building it allocates nothing; [`RedirectTo::write_to`] writes the
/// target (e.g. into a `Location` header buffer). The query string is not part of it: the caller appends it.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct RedirectTo<'p> {
    /// The start of the target: the request path itself when `add_slash`, or the request path without its
    /// trailing slash.
    pub path: &'p str,
    /// Whether the target is `path` followed by `/`.
    pub add_slash: bool,
}

impl RedirectTo<'_> {
    /// The length of the target in bytes.
    pub const fn target_len(&self) -> usize {
        self.path.len() + self.add_slash as usize
    }

    /// Appends the target path to `out`; allocates only if `out` lacks [`RedirectTo::target_len`] spare bytes.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.path.as_bytes());
        if self.add_slash {
            out.push(b'/');
        }
    }
}

impl fmt::Display for RedirectTo<'_> {
    /// Writes the target path.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.path)?;
        if self.add_slash { f.write_str("/") } else { Ok(()) }
    }
}

/// One distinct route pattern and its per-method values.
#[derive(Debug)]
struct Route<T> {
    /// Indexed by `Method as usize`; [`Method::Other`] (9) is out of range, so `get` answers `None` for it.
    values: [Option<T>; 9],
    /// Bits of the methods that have a value, as in [`Allow`].
    allow: u16,
    pattern: Box<str>,
    /// The parameter names in route order, which is the order the search captures them in.
    names: Box<[Box<str>]>,
    parsed: Pattern,
}

impl<T> Route<T> {
    /// Whether the pattern has no parameter (it matches one path exactly).
    fn is_static(&self) -> bool {
        self.parsed.middle.is_empty() && self.parsed.tail == Tail::Static
    }

    /// The value for `method`, falling back to `GET` for `HEAD`.
    #[inline(always)]
    fn value(&self, method: Method) -> Option<&T> {
        if let Some(Some(value)) = self.values.get(method as usize) {
            return Some(value);
        }
        if method == Method::Head {
            // A constant index into a 9-element array: checked at compile time.
            return self.values[Method::Get as usize].as_ref();
        }
        None
    }
}

/// A request router: a radix tree of route patterns, each with one value per method.
///
/// Build it once with [`Router::insert`], then share it (`&Router` is all a lookup needs) and call
/// [`Router::at`] per request; lookups do not allocate.
#[derive(Debug)]
pub struct Router<T> {
    root: Node,
    routes: Vec<Route<T>>,
    /// The routes without parameters, by exact path: most requests of most APIs hit one, and
    /// an exact match needs no tree walk.
    statics: StaticIndex,
    trailing_slash: TrailingSlash,
}

/// An open-addressing table of route ids, hashed by the path's length and its first and last
/// eight bytes; a hit is confirmed by comparing the whole path.
#[derive(Debug, Default)]
struct StaticIndex {
    /// A power of two in length (or empty); `tree::NO_ROUTE` marks an empty slot.
    slots: Box<[u32]>,
}

impl StaticIndex {
    #[inline(always)]
    fn hash(path: &[u8]) -> usize {
        let n = path.len();
        let word = |b: &[u8]| {
            let mut w = [0u8; 8];
            w[..b.len()].copy_from_slice(b);
            u64::from_le_bytes(w)
        };
        let (first, last) = if n >= 8 { (word(&path[..8]), word(&path[n - 8..])) } else { (word(path), 0) };
        let h = (first ^ last.rotate_left(29) ^ n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        (h >> 32) as usize
    }

    /// Rebuilds the table for `routes` (at insertion, not per request).
    fn build<T>(routes: &[Route<T>]) -> StaticIndex {
        let ids: Vec<u32> = (0..routes.len() as u32).filter(|&id| routes[id as usize].is_static()).collect();
        if ids.is_empty() {
            return StaticIndex::default();
        }
        let mut slots = vec![tree::NO_ROUTE; (ids.len() * 2).next_power_of_two().max(8)].into_boxed_slice();
        let mask = slots.len() - 1;
        for id in ids {
            let mut i = Self::hash(routes[id as usize].pattern.as_bytes()) & mask;
            while slots[i] != tree::NO_ROUTE {
                i = (i + 1) & mask;
            }
            slots[i] = id;
        }
        StaticIndex { slots }
    }

    /// The static route whose pattern is `path`.
    #[inline(always)]
    fn get<'r, T>(&self, routes: &'r [Route<T>], path: &str) -> Option<&'r Route<T>> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut i = Self::hash(path.as_bytes()) & mask;
        loop {
            let route = routes.get(*self.slots.get(i)? as usize)?;
            if *route.pattern == *path {
                return Some(route);
            }
            i = (i + 1) & mask;
        }
    }
}

impl<T> Default for Router<T> {
    fn default() -> Self {
        Router::new()
    }
}

impl<T> Router<T> {
    /// An empty router with the default [`TrailingSlash::Redirect`] policy.
    pub fn new() -> Self {
        Router::with_trailing_slash(TrailingSlash::default())
    }

    /// An empty router with the given trailing-slash policy.
    pub fn with_trailing_slash(policy: TrailingSlash) -> Self {
        Router { root: Node::new(), routes: Vec::new(), statics: StaticIndex::default(), trailing_slash: policy }
    }

    /// The trailing-slash policy.
    pub fn trailing_slash(&self) -> TrailingSlash {
        self.trailing_slash
    }

    /// The number of distinct route patterns (a pattern registered for several methods counts once).
    pub fn len(&self) -> usize {
        self.routes.len()
    }

    /// Whether no route has been inserted.
    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }

    /// Registers `value` for `method` on the route `path` (see the [module docs](self) for the syntax).
    ///
    /// A route registered for `GET` also answers `HEAD` unless `HEAD` is registered explicitly.
    ///
    /// # Errors
    ///
    /// See [`InsertError`] for each refused case. On error the router is unchanged.
    ///
    /// # Panics
    ///
    /// When the router already holds `u32::MAX - 1` distinct patterns (route ids are `u32` in the tree).
    pub fn insert(&mut self, method: Method, path: &str, value: T) -> Result<(), InsertError> {
        if method == Method::Other {
            return Err(InsertError::OtherMethod);
        }
        let parsed = Pattern::parse(path)?;
        // Insertion is not a hot path: comparing with every route keeps the tree code free of error paths
        // (all conflicts are known before the tree is touched) and makes failed inserts side-effect free.
        let mut existing = None;
        for (i, route) in self.routes.iter().enumerate() {
            if route.parsed.same_shape(&parsed)? {
                existing = Some(i);
            }
        }
        let slot = method as usize;
        let id = match existing {
            Some(i) => i,
            None => {
                let id = self.routes.len();
                // Ids are stored as u32 with u32::MAX meaning "none"; four billion routes is not a use case.
                let tree_id = u32::try_from(id).ok().filter(|&id| id != tree::NO_ROUTE);
                let Some(tree_id) = tree_id else { panic!("too many routes") };
                self.root.insert(&parsed, tree_id);
                let mut names: Vec<Box<str>> = parsed.middle.iter().map(|(name, _)| name.clone()).collect();
                if let Tail::Param(name) | Tail::CatchAll(name) = &parsed.tail {
                    names.push(name.clone());
                }
                self.routes.push(Route {
                    values: std::array::from_fn(|_| None),
                    allow: 0,
                    pattern: path.into(),
                    names: names.into(),
                    parsed,
                });
                if self.routes[id].is_static() {
                    self.statics = StaticIndex::build(&self.routes);
                }
                id
            }
        };
        let route = &mut self.routes[id];
        if route.values[slot].is_some() {
            return Err(InsertError::Duplicate { method });
        }
        route.values[slot] = Some(value);
        route.allow |= Allow::bit(method);
        Ok(())
    }

    /// Looks up `path` for `method`. Never allocates.
    ///
    /// `path` is the request target's path, without the query string. A `HEAD` request falls back to the
    /// `GET` value of a route without an explicit `HEAD` value. When no route matches the path, the
    /// [`TrailingSlash`] policy decides whether the path with its trailing slash toggled is tried (never for
    /// `/`); a `405` on the path itself wins over that.
    #[inline]
    #[must_use]
    pub fn at<'r, 'p>(&'r self, method: Method, path: &'p str) -> Lookup<'r, 'p, T> {
        // A static route matching exactly wins over any parameter route in the tree, so its
        // value for the method is the answer; without one, the tree decides (a parameter route
        // may have the method, or the answer is a 405 listing every route's methods).
        if let Some(route) = self.statics.get(&self.routes, path) {
            if let Some(value) = route.value(method) {
                return Lookup::Found(Match { value, params: Params::none(), pattern: &route.pattern });
            }
        }
        let found = self.find::<false>(method, path);
        if !matches!(found, Lookup::NotFound) || self.trailing_slash == TrailingSlash::Strict {
            return found;
        }
        self.at_toggled_slash(method, path)
    }

    /// The trailing-slash fallback of [`Router::at`], kept out of line: it only runs on misses.
    #[cold]
    #[inline(never)]
    fn at_toggled_slash<'r, 'p>(&'r self, method: Method, path: &'p str) -> Lookup<'r, 'p, T> {
        if path.len() <= 1 {
            // `/` is never redirected, and `""` is not a path.
            return Lookup::NotFound;
        }
        let trimmed = path.strip_suffix('/');
        match self.trailing_slash {
            TrailingSlash::Strict => Lookup::NotFound,
            TrailingSlash::Ignore => match trimmed {
                Some(trimmed) => self.find::<false>(method, trimmed),
                None => self.find::<true>(method, path),
            },
            TrailingSlash::Redirect => {
                let exists = match trimmed {
                    Some(trimmed) => self.exists::<false>(trimmed),
                    None => self.exists::<true>(path),
                };
                // A target starting `//` or `/\` is read by browsers as another host
                // (`/\evil.example` → `//evil.example`): never redirect there (an open redirect).
                let target = trimmed.unwrap_or(path);
                if target.starts_with("//") || target.starts_with("/\\") {
                    return Lookup::NotFound;
                }
                match (exists, trimmed) {
                    (false, _) => Lookup::NotFound,
                    (true, Some(trimmed)) => Lookup::Redirect(RedirectTo { path: trimmed, add_slash: false }),
                    (true, None) => Lookup::Redirect(RedirectTo { path, add_slash: true }),
                }
            }
        }
    }

    /// The method-aware search of `path` (plus a virtual trailing `/` under `V`).
    #[inline(always)]
    fn find<'r, 'p, const V: bool>(&'r self, method: Method, path: &'p str) -> Lookup<'r, 'p, T> {
        let mut captures = Captures::new();
        // Methods of the routes that matched the path but not the method, for the `Allow` header.
        let mut allow = 0;
        let found = self.root.search::<V, _>(path, &mut captures, &mut |id| {
            let route = self.routes.get(id as usize)?;
            match route.value(method) {
                Some(value) => Some((value, route)),
                None => {
                    allow |= route.allow;
                    None
                }
            }
        });
        match found {
            Some((value, route)) => Lookup::Found(Match {
                value,
                params: Params::from_captures(&route.names, path, &captures),
                pattern: &route.pattern,
            }),
            None if allow != 0 => Lookup::MethodNotAllowed(Allow::from_bits(allow).with_implied_head()),
            None => Lookup::NotFound,
        }
    }

    /// Whether any route, for any method, matches `path` (plus a virtual trailing `/` under `V`).
    fn exists<const V: bool>(&self, path: &str) -> bool {
        let mut captures = Captures::new();
        self.root.search::<V, ()>(path, &mut captures, &mut |_| Some(())).is_some()
    }
}
