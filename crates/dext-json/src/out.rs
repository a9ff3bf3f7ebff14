//! Appending short byte runs to the output `Vec<u8>` without a `memcpy` call each: the
//! second place with `unsafe` code (writes into a vector's spare capacity, then its length
//! set over them). The writer and the serde serializer append mostly runs of a few bytes (a
//! key, a number, a short string), for which the generic `extend_from_slice` costs a call.
//! Also [`push`], for the DOM's nodes.

use core::ptr;

/// Appends `bytes` to `out`. Runs of up to 32 bytes are moved with at most two fixed-size
/// copies that overlap as needed (8, 16 or 32 bytes at a time), longer ones by
/// `extend_from_slice`.
#[inline(always)]
pub(crate) fn append(out: &mut Vec<u8>, bytes: &[u8]) {
    let n = bytes.len();
    if n > 32 {
        out.extend_from_slice(bytes);
        return;
    }
    out.reserve(n);
    let len = out.len();
    // SAFETY: `reserve(n)` leaves room for `n` bytes after `len`; each copy below writes a
    // range inside `0..n` of the destination from the same range of `bytes` (whose length is
    // `n`), and together they cover all of `0..n`, so the `n` bytes are initialized before
    // the length is raised over them. Source and destination do not overlap: `bytes` is
    // borrowed immutably while `out` is borrowed mutably.
    unsafe {
        let src = bytes.as_ptr();
        let dst = out.as_mut_ptr().add(len);
        if n >= 16 {
            ptr::copy_nonoverlapping(src, dst, 16);
            ptr::copy_nonoverlapping(src.add(n - 16), dst.add(n - 16), 16);
        } else if n >= 8 {
            ptr::copy_nonoverlapping(src, dst, 8);
            ptr::copy_nonoverlapping(src.add(n - 8), dst.add(n - 8), 8);
        } else if n >= 4 {
            ptr::copy_nonoverlapping(src, dst, 4);
            ptr::copy_nonoverlapping(src.add(n - 4), dst.add(n - 4), 4);
        } else {
            for k in 0..n {
                *dst.add(k) = *src.add(k);
            }
        }
        out.set_len(len + n);
    }
}

/// Appends `bytes` between double quotes (bytes that need no escaping).
#[inline(always)]
pub(crate) fn append_quoted(out: &mut Vec<u8>, bytes: &[u8]) {
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    append(out, bytes);
    out.push(b'"');
}

/// Appends the first `n` bytes of `buf` (at most `N`) by copying all `N` (one fixed-size
/// copy) into the spare capacity and counting only `n`.
#[inline(always)]
pub(crate) fn append_prefix<const N: usize>(out: &mut Vec<u8>, buf: &[u8; N], n: usize) {
    let n = n.min(N);
    out.reserve(N);
    let len = out.len();
    // SAFETY: `reserve(N)` leaves room for `N` bytes after `len`, all written from `buf`;
    // the length then grows by `n <= N` of them.
    unsafe {
        ptr::copy_nonoverlapping(buf.as_ptr(), out.as_mut_ptr().add(len), N);
        out.set_len(len + n);
    }
}

/// Pushes `item` onto `v` like `Vec::push`, except that the vector's address is never passed
/// to a call: growing takes the vector and gives it back by value. In a loop that pushes to
/// a local vector (the DOM's nodes), its length and capacity then stay in registers instead
/// of going through memory on every push.
#[inline(always)]
pub(crate) fn push<T>(v: &mut Vec<T>, item: T) {
    if v.len() == v.capacity() {
        *v = grown(core::mem::take(v));
    }
    let len = v.len();
    // SAFETY: `len < capacity` (`grown` reserves at least one more), so the slot at `len` is
    // allocated and unused; it is written before the length is raised over it.
    unsafe {
        v.as_mut_ptr().add(len).write(item);
        v.set_len(len + 1);
    }
}

/// `v` with room for at least one more item (doubling, as `Vec` does).
#[cold]
#[inline(never)]
fn grown<T>(mut v: Vec<T>) -> Vec<T> {
    v.reserve(v.len().max(4));
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_grows_and_keeps_every_item() {
        for start in [0, 1, 3, 64] {
            let mut v: Vec<(u32, String)> = Vec::with_capacity(start);
            for i in 0..1000u32 {
                push(&mut v, (i, i.to_string()));
            }
            assert!(v.iter().enumerate().all(|(i, (n, s))| *n as usize == i && *s == i.to_string()));
            assert_eq!(v.len(), 1000);
        }
    }

    #[test]
    fn appends_every_length_exactly() {
        let source: Vec<u8> = (0..80u8).collect();
        for n in 0..=80 {
            for pre in [0, 3, 31] {
                let mut out = vec![0xee; pre];
                append(&mut out, &source[..n]);
                assert_eq!(out.len(), pre + n);
                assert!(out[..pre].iter().all(|&b| b == 0xee));
                assert_eq!(&out[pre..], &source[..n], "n = {n}, pre = {pre}");
            }
        }
        let mut out = b"ab".to_vec();
        append_prefix(&mut out, b"0123456789", 4);
        assert_eq!(out, b"ab0123");
    }
}
