//! The nesting of a document being read or written: one bit per open level, set for an
//! object and clear for an array, so that a closing bracket can be checked and the separator
//! after a value chosen without any allocation.

use crate::read::MAX_DEPTH_LIMIT;

/// The open arrays and objects, innermost last.
#[derive(Clone, Debug)]
pub(crate) struct Nesting {
    /// Bit `d` set: level `d + 1` is an object.
    bits: [u64; (MAX_DEPTH_LIMIT / 64) as usize],
    depth: u32,
}

impl Nesting {
    pub(crate) const fn new() -> Nesting {
        Nesting { bits: [0; (MAX_DEPTH_LIMIT / 64) as usize], depth: 0 }
    }

    /// How many levels are open.
    #[inline]
    pub(crate) fn depth(&self) -> u32 {
        self.depth
    }

    /// Opens a level; `false` (and nothing opened) when [`MAX_DEPTH_LIMIT`] are open.
    #[inline]
    pub(crate) fn push(&mut self, object: bool) -> bool {
        let d = self.depth as usize;
        let Some(word) = self.bits.get_mut(d / 64) else { return false };
        let bit = 1u64 << (d % 64);
        if object {
            *word |= bit;
        } else {
            *word &= !bit;
        }
        self.depth += 1;
        true
    }

    /// Whether the innermost open level is an object (`false` when none is open).
    #[inline]
    pub(crate) fn in_object(&self) -> bool {
        let Some(d) = self.depth.checked_sub(1) else { return false };
        self.bits[d as usize / 64] >> (d % 64) & 1 == 1
    }

    /// Closes the innermost level (none: nothing happens).
    #[inline]
    pub(crate) fn pop(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }
}
