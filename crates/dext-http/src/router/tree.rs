//! The radix tree over path bytes: node layout, insertion, and the backtracking search.
//!
//! A static node holds a run of path bytes (`prefix`) and, for what follows that run, up to three kinds of
//! continuation, tried in priority order: static children (at most one can match, chosen by its first
//! byte), one `:param` node, one `*catch-all`. Wildcards only hang off nodes whose prefix ends with `/`
//! (they start a segment). A param node consumes one non-empty segment and continues with a single static
//! node whose prefix starts with `/`.

use super::params::Captures;
use super::pattern::{Pattern, Tail};

/// Marks "no route ends here" in the `route` fields, which index `Router::routes`.
pub(super) const NO_ROUTE: u32 = u32::MAX;

/// A static node.
#[derive(Debug)]
pub(super) struct Node {
    /// The path bytes this node consumes; empty only for a fresh root.
    prefix: Box<[u8]>,
    /// First byte of each static child, in the same order as `children`: a short byte scan picks the only
    /// child that can match, without touching the children themselves.
    indices: Vec<u8>,
    /// For nodes with many children, `fanout[b]` is the index + 1 of the child starting with byte `b` (0:
    /// none), replacing the scan by one load. UTF-8 never uses 13 of the 256 byte values, so indices + 1 fit.
    fanout: Option<Box<[u8; 256]>>,
    children: Vec<Node>,
    param: Option<Box<ParamNode>>,
    /// The route of the `*name` catch-all hanging here (the rest of the path, possibly empty), or
    /// [`NO_ROUTE`]. A catch-all has nothing after it, so its route is all the tree needs of it.
    catch_all: u32,
    /// The route whose pattern ends exactly after `prefix`, or [`NO_ROUTE`].
    route: u32,
}

/// A `:name` node: one non-empty segment.
///
/// Names are not stored in the tree: the search records byte ranges only, and the accepted route supplies
/// the names (the insertion checks guarantee they are the same at each shared position).
#[derive(Debug)]
struct ParamNode {
    /// The route whose pattern ends with this parameter, or [`NO_ROUTE`].
    route: u32,
    /// What follows the segment; its prefix starts with `/`.
    next: Option<Node>,
}

impl Node {
    /// An empty root.
    pub(super) fn new() -> Self {
        Node::with_prefix(Box::default())
    }

    fn with_prefix(prefix: Box<[u8]>) -> Self {
        Node {
            prefix,
            indices: Vec::new(),
            fanout: None,
            children: Vec::new(),
            param: None,
            catch_all: NO_ROUTE,
            route: NO_ROUTE,
        }
    }

    /// Rebuilds `fanout` after `indices` changed: a table once the scan would be long enough to cost more.
    fn index_children(&mut self) {
        self.fanout = None;
        if self.indices.len() < FANOUT_MIN {
            return;
        }
        let mut table = Box::new([0u8; 256]);
        for (i, &b) in self.indices.iter().enumerate() {
            // More than 255 children cannot all get an entry: keep the scan then (never happens with UTF-8).
            let Ok(slot) = u8::try_from(i + 1) else { return };
            table[usize::from(b)] = slot;
        }
        self.fanout = Some(table);
    }

    /// The static child whose prefix starts with `b`, the only one that can match there.
    #[inline(always)]
    fn child(&self, b: u8) -> Option<&Node> {
        let i = match &self.fanout {
            Some(table) => usize::from(table[usize::from(b)]).checked_sub(1)?,
            None => self.indices.iter().position(|&c| c == b)?,
        };
        self.children.get(i)
    }

    /// Whether the node has a wildcard child, i.e. whether a failed static branch can fall back here.
    #[inline(always)]
    fn has_wildcard(&self) -> bool {
        self.param.is_some() || self.catch_all != NO_ROUTE
    }

    /// Adds `pattern` as route number `route`.
    ///
    /// The caller has checked the pattern against every existing route ([`Pattern::same_shape`]), so this
    /// cannot fail: a wildcard already at a position has the pattern's name there (names live in the routes),
    /// and the position where the pattern ends holds no route yet.
    pub(super) fn insert(&mut self, pattern: &Pattern, route: u32) {
        let mut node = self.insert_static(&pattern.head);
        for (_, run) in &pattern.middle {
            let param = node.param_node();
            node = param.next.get_or_insert_with(Node::new).insert_static(run);
        }
        match &pattern.tail {
            Tail::Static => node.route = route,
            Tail::Param(_) => node.param_node().route = route,
            Tail::CatchAll(_) => node.catch_all = route,
        }
    }

    /// The param child, created if absent.
    fn param_node(&mut self) -> &mut ParamNode {
        self.param.get_or_insert_with(|| Box::new(ParamNode { route: NO_ROUTE, next: None }))
    }

    /// Walks (splitting and creating nodes as needed) so that exactly `run` is consumed from this node's
    /// start, and returns the node where it ends.
    fn insert_static(&mut self, run: &[u8]) -> &mut Node {
        if self.prefix.is_empty() && self.is_bare() {
            // Fresh root or fresh param continuation: take the whole run.
            self.prefix = run.into();
            return self;
        }
        let common = self.prefix.iter().zip(run).take_while(|(a, b)| a == b).count();
        if common < self.prefix.len() {
            self.split(common);
        }
        let rest = &run[common..];
        let Some(&first) = rest.first() else {
            return self;
        };
        match self.indices.iter().position(|&b| b == first) {
            Some(i) => self.children[i].insert_static(rest),
            None => {
                self.indices.push(first);
                self.index_children();
                self.children.push(Node::with_prefix(rest.into()));
                let last = self.children.len() - 1;
                &mut self.children[last]
            }
        }
    }

    /// Whether the node has no continuation and no route.
    fn is_bare(&self) -> bool {
        self.children.is_empty() && self.param.is_none() && self.catch_all == NO_ROUTE && self.route == NO_ROUTE
    }

    /// Cuts the prefix after `at` bytes; the tail and everything hanging off this node move to a new child.
    fn split(&mut self, at: usize) {
        let tail = Node {
            prefix: self.prefix[at..].into(),
            indices: std::mem::take(&mut self.indices),
            fanout: self.fanout.take(),
            children: std::mem::take(&mut self.children),
            param: self.param.take(),
            catch_all: std::mem::replace(&mut self.catch_all, NO_ROUTE),
            route: std::mem::replace(&mut self.route, NO_ROUTE),
        };
        self.prefix = self.prefix[..at].into();
        self.indices = vec![tail.prefix[0]];
        self.children = vec![tail];
    }

    /// Searches the tree rooted here for `path`, calling `accept` on each route that matches the whole path,
    /// in priority order, until it returns `Some`.
    ///
    /// `params` receives the captures of the accepted route. With `V` (virtual slash) the path is searched as
    /// if it had one more `/` at the end, without building that string: that is how the trailing-slash
    /// policies ask "would `path/` match?" without allocating.
    #[inline]
    pub(super) fn search<const V: bool, R>(
        &self,
        path: &str,
        params: &mut Captures,
        accept: &mut impl FnMut(u32) -> Option<R>,
    ) -> Option<R> {
        if !prefix_at::<V>(path.as_bytes(), 0, &self.prefix) {
            return None;
        }
        self.search_from::<V, R>(self.prefix.len(), path, params, accept)
    }

    /// The search proper, from `pos`, just past this node's prefix.
    ///
    /// Iterative along the tree, it recurses only where a node offers a lower-priority alternative that
    /// backtracking may need (a static child matched but a wildcard exists too, or a param matched but a
    /// catch-all exists too), so routes without such branch points cost no call at all. On `None`, captures
    /// pushed by this call may remain: callers restore `params` with `mark`/`truncate`.
    ///
    /// Cost bounds: each recursion goes one node deeper, so the depth is bounded by the tree's depth (set by
    /// the routes, not by the request); and a node is reached through one tree path only, at a path position
    /// that path fixes, so no node is visited twice and backtracking is never exponential.
    fn search_from<const V: bool, R>(
        &self,
        mut pos: usize,
        path: &str,
        params: &mut Captures,
        accept: &mut impl FnMut(u32) -> Option<R>,
    ) -> Option<R> {
        let bytes = path.as_bytes();
        let len = bytes.len() + V as usize;
        let mut node = self;
        loop {
            if pos == len {
                // End of path: a route here, else a catch-all matching the empty rest.
                if node.route != NO_ROUTE {
                    if let Some(found) = accept(node.route) {
                        return Some(found);
                    }
                }
                if node.catch_all != NO_ROUTE && params.push(bytes.len(), bytes.len()) {
                    return accept(node.catch_all);
                }
                return None;
            }

            // 1. Static child: only the one starting with the next byte can match.
            if let Some(child) = node.child(byte_at::<V>(bytes, pos)) {
                if prefix_at::<V>(bytes, pos, &child.prefix) {
                    let after = pos + child.prefix.len();
                    if !node.has_wildcard() {
                        // Nothing to fall back to: follow the child without recursing.
                        node = child;
                        pos = after;
                        continue;
                    }
                    let mark = params.mark();
                    if let Some(found) = child.search_from::<V, R>(after, path, params, accept) {
                        return Some(found);
                    }
                    params.truncate(mark);
                }
            }

            // 2. `:param`: the segment up to the next `/` (a virtual slash counts), if non-empty.
            if let Some(param) = &node.param {
                let end = segment_end(bytes, pos);
                if end > pos {
                    let mark = params.mark();
                    if params.push(pos, end) {
                        if end == len {
                            if param.route != NO_ROUTE {
                                if let Some(found) = accept(param.route) {
                                    return Some(found);
                                }
                            }
                        } else if let Some(next) = &param.next {
                            if prefix_at::<V>(bytes, end, &next.prefix) {
                                let after = end + next.prefix.len();
                                if node.catch_all == NO_ROUTE {
                                    node = next;
                                    pos = after;
                                    continue;
                                }
                                if let Some(found) = next.search_from::<V, R>(after, path, params, accept) {
                                    return Some(found);
                                }
                            }
                        }
                    }
                    params.truncate(mark);
                }
            }

            // 3. `*catch-all`: the rest of the path. Under `V` the rest would include the virtual slash, which
            // no `&str` can hold; no route needs that (the path without the slash already matched the same
            // catch-all, and that search ran first), so the branch simply fails.
            if !V && node.catch_all != NO_ROUTE && params.push(pos, bytes.len()) {
                return accept(node.catch_all);
            }
            return None;
        }
    }
}

/// Nodes with at least this many children get a `fanout` table.
const FANOUT_MIN: usize = 5;

/// The byte at `pos` of the searched path (the virtual `/` past the end under `V`); `pos` is in bounds.
#[inline(always)]
fn byte_at<const V: bool>(bytes: &[u8], pos: usize) -> u8 {
    // Callers check `pos < len`, so the fallback is only the virtual slash (or, without `V`, unreachable and
    // harmless: `/` then simply fails to match further on).
    bytes.get(pos).copied().unwrap_or(b'/')
}

/// Whether `prefix` occurs at `pos` of the searched path (which ends with a virtual `/` under `V`).
#[inline(always)]
fn prefix_at<const V: bool>(bytes: &[u8], pos: usize, prefix: &[u8]) -> bool {
    let Some(rest) = bytes.get(pos..) else {
        return false;
    };
    if let Some(head) = rest.get(..prefix.len()) {
        return same_bytes(head, prefix);
    }
    // Under `V`, the prefix may consume the whole rest plus the virtual slash.
    V && prefix.len() == rest.len() + 1 && prefix.ends_with(b"/") && prefix.starts_with(rest)
}

/// `a == b` for slices of equal length, inlined for the short prefixes of route trees: up to 16 bytes it
/// compares the first and last (overlapping) 2, 4 or 8 bytes as integers instead of calling `memcmp`.
#[inline(always)]
pub(super) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    /// First and last `N` bytes; `None` (for both slices alike, as they have the same length) if shorter.
    #[inline(always)]
    fn ends<const N: usize>(s: &[u8]) -> Option<([u8; N], [u8; N])> {
        Some((*s.first_chunk::<N>()?, *s.last_chunk::<N>()?))
    }
    if a.len() != b.len() {
        return false;
    }
    match a.len() {
        0 => true,
        1 => a.first() == b.first(),
        2..=3 => ends::<2>(a) == ends::<2>(b),
        4..=7 => ends::<4>(a) == ends::<4>(b),
        8..=16 => ends::<8>(a) == ends::<8>(b),
        _ => a == b,
    }
}

/// The index of the first `/` at or after `from`, or `bytes.len()`: where a `:param` segment ends.
///
/// Scans 8 bytes per step (SWAR) rather than one.
#[inline(always)]
pub(super) fn segment_end(bytes: &[u8], from: usize) -> usize {
    const SLASHES: u64 = u64::from_le_bytes([b'/'; 8]);
    let mut i = from;
    while let Some(chunk) = bytes.get(i..).and_then(<[u8]>::first_chunk::<8>) {
        let hits = zero_bytes(u64::from_le_bytes(*chunk) ^ SLASHES);
        if hits != 0 {
            return i + (hits.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    // Fewer than 8 bytes left. If the path has 8 bytes, look at its last 8, minus the ones before `i`.
    if let Some(last) = bytes.last_chunk::<8>() {
        // Here `bytes.len() - 8 < i <= bytes.len()`, so the shift is 8 to 64 bits; `checked_shr` turns 64
        // (nothing left) into "no hit".
        let skip = (i + 8 - bytes.len()) as u32;
        let hits = zero_bytes(u64::from_le_bytes(*last) ^ SLASHES).checked_shr(8 * skip).unwrap_or(0);
        return if hits != 0 { i + (hits.trailing_zeros() / 8) as usize } else { bytes.len() };
    }
    bytes.get(i..).and_then(|rest| rest.iter().position(|&b| b == b'/')).map_or(bytes.len(), |k| i + k)
}

/// Sets the high bit of each byte of `x` that is zero, and clears every other bit.
///
/// The exact form (no false positives above a zero byte, unlike the shorter `(x - 0x01..) & !x & 0x80..`),
/// because `segment_end` shifts away low bytes whose zeros must not leak into the rest.
#[inline(always)]
const fn zero_bytes(x: u64) -> u64 {
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    // Per byte: `(x & 0x7F) + 0x7F` sets the high bit iff the low 7 bits are non-zero, never carrying out of
    // the byte; or-ing `x` adds the high bit itself; what is left unset marks the zero bytes.
    !(((x & LOW7) + LOW7) | x | LOW7)
}
