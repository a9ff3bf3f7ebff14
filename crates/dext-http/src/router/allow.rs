//! The set of methods a path supports, as reported with `405 Method Not Allowed`.

use std::fmt;

use crate::Method;

/// A set of request methods, one bit per [`Method::ALL`] entry; `Copy` and two bytes wide.
///
/// The router returns one with [`Lookup::MethodNotAllowed`](super::Lookup::MethodNotAllowed): it then holds
/// every method registered on the routes that matched the path, plus `HEAD` whenever `GET` is there (a `HEAD`
/// request is served from the `GET` route). [`Allow::write_to`] and the `Display` impl produce the value of
/// the `Allow` header (RFC 9110 section 10.2.1), e.g. `GET, HEAD, POST`, in [`Method::ALL`] order.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Allow {
    bits: u16,
}

impl Allow {
    /// The empty set.
    pub const EMPTY: Allow = Allow { bits: 0 };

    /// The bit of `method`; `0` for [`Method::Other`], which no route can be registered for.
    #[inline(always)]
    pub(super) const fn bit(method: Method) -> u16 {
        match method {
            Method::Other => 0,
            m => 1 << m as u8,
        }
    }

    /// The set with these raw bits (one per `Method as u8`).
    #[inline(always)]
    pub(super) const fn from_bits(bits: u16) -> Self {
        Allow { bits }
    }

    /// The set plus `HEAD` when it contains `GET`, as the router answers `HEAD` from `GET` routes.
    #[inline]
    pub(super) const fn with_implied_head(self) -> Self {
        if self.bits & Allow::bit(Method::Get) != 0 {
            Allow { bits: self.bits | Allow::bit(Method::Head) }
        } else {
            self
        }
    }

    /// Whether `method` is in the set (never true for [`Method::Other`]).
    #[inline]
    pub const fn contains(self, method: Method) -> bool {
        self.bits & Allow::bit(method) != 0
    }

    /// Whether the set is empty.
    #[inline]
    pub const fn is_empty(self) -> bool {
        self.bits == 0
    }

    /// The number of methods in the set.
    #[inline]
    pub const fn len(self) -> usize {
        self.bits.count_ones() as usize
    }

    /// Iterates over the methods in [`Method::ALL`] order.
    #[inline]
    pub const fn iter(self) -> AllowIter {
        AllowIter { bits: self.bits }
    }

    /// The number of bytes [`Allow::write_to`] appends, to reserve capacity up front.
    pub fn header_len(self) -> usize {
        let names: usize = self.iter().map(|m| m.as_str().len()).sum();
        names + 2 * self.len().saturating_sub(1)
    }

    /// Appends the `Allow` header value (`GET, HEAD, POST`) to `out`.
    ///
    /// Allocates only if `out` lacks the capacity ([`Allow::header_len`] bytes are enough); an empty set
    /// writes nothing, which is the valid header value for a resource that allows no method.
    pub fn write_to(self, out: &mut Vec<u8>) {
        for (i, method) in self.iter().enumerate() {
            if i > 0 {
                out.extend_from_slice(b", ");
            }
            out.extend_from_slice(method.as_str().as_bytes());
        }
    }
}

impl fmt::Display for Allow {
    /// Writes the `Allow` header value, as [`Allow::write_to`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, method) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(method.as_str())?;
        }
        Ok(())
    }
}

impl fmt::Debug for Allow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl IntoIterator for Allow {
    type Item = Method;
    type IntoIter = AllowIter;

    fn into_iter(self) -> AllowIter {
        self.iter()
    }
}

impl FromIterator<Method> for Allow {
    /// Collects methods into a set; [`Method::Other`] is ignored.
    fn from_iter<I: IntoIterator<Item = Method>>(iter: I) -> Self {
        Allow { bits: iter.into_iter().fold(0, |bits, m| bits | Allow::bit(m)) }
    }
}

/// Iterator over the methods of an [`Allow`] set, in [`Method::ALL`] order.
#[derive(Clone, Debug)]
pub struct AllowIter {
    bits: u16,
}

impl Iterator for AllowIter {
    type Item = Method;

    #[inline]
    fn next(&mut self) -> Option<Method> {
        if self.bits == 0 {
            return None;
        }
        let index = self.bits.trailing_zeros() as usize;
        // Clear the lowest set bit.
        self.bits &= self.bits - 1;
        // Only bits of `Method::ALL` entries are ever set, so `get` always succeeds; a stray bit would just
        // end the iteration instead of panicking.
        Method::ALL.get(index).copied()
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.bits.count_ones() as usize;
        (n, Some(n))
    }
}

impl ExactSizeIterator for AllowIter {}
