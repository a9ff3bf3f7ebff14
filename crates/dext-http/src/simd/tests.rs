//! The vector scanners against the scalar oracle, on fixed and random inputs.

use super::scalar;

/// A small deterministic PRNG, so failures replay.
pub(crate) struct XorShift(pub(crate) u64);

impl XorShift {
    pub(crate) fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
}

/// A scanner: input to the index of the first byte outside the class.
type Scan = fn(&[u8]) -> usize;

/// Every implementation available on this CPU, as `(name, value_end, target_end)`.
fn impls() -> Vec<(&'static str, Scan, Scan)> {
    #[allow(unused_mut)]
    let mut v: Vec<(&'static str, Scan, Scan)> = vec![("dispatch", super::value_end, super::target_end)];
    #[cfg(all(target_arch = "x86_64", not(dext_no_simd)))]
    {
        use super::x86;
        v.push(("sse2", x86::value_end_sse2, x86::target_end_sse2));
        if x86::has_avx2() {
            fn value(b: &[u8]) -> usize {
                // SAFETY: only pushed when the CPU has AVX2.
                unsafe { x86::value_end_avx2(b) }
            }
            fn target(b: &[u8]) -> usize {
                // SAFETY: only pushed when the CPU has AVX2.
                unsafe { x86::target_end_avx2(b) }
            }
            v.push(("avx2", value, target));
        }
    }
    v
}

fn check(input: &[u8]) {
    let want_value = scalar::value_end(input);
    let want_target = scalar::target_end(input);
    for (name, value, target) in impls() {
        assert_eq!(value(input), want_value, "{name} value_end on {input:?}");
        assert_eq!(target(input), want_target, "{name} target_end on {input:?}");
    }
}

#[test]
fn every_byte_at_every_position() {
    // Each of the 256 byte values, placed at each offset of a 70-byte valid run, exercises
    // every lane of the SSE2 and AVX2 steps and the scalar tail.
    for b in 0..=255u8 {
        for pos in 0..70 {
            let mut input = vec![b'a'; 70];
            input[pos] = b;
            check(&input);
            check(&input[..pos + 1]);
        }
    }
}

#[test]
fn classes_match_the_rfc() {
    for b in 0..=255u8 {
        let value = b == b'\t' || b == b' ' || (0x21..=0x7e).contains(&b) || b >= 0x80;
        assert_eq!(scalar::is_value_byte(b), value, "value byte {b:#x}");
        assert_eq!(scalar::is_target_byte(b), (0x21..=0x7e).contains(&b), "target byte {b:#x}");
    }
}

#[test]
fn random_inputs_agree_with_the_oracle() {
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    for _ in 0..20_000 {
        let len = (rng.next() % 200) as usize;
        // Mostly valid bytes, with a rare byte from the whole range, so that runs are long
        // enough to reach the vector loops.
        let rare = 1 + rng.next() % 64;
        let input: Vec<u8> = (0..len)
            .map(|_| {
                let r = rng.next();
                if r % rare == 0 { (r >> 8) as u8 } else { b'!' + ((r >> 16) % 94) as u8 }
            })
            .collect();
        check(&input);
    }
}
