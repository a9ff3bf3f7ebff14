//! The vector scanners against the scalar oracle, on fixed and random inputs.

use super::scalar::{self, Scalar};
use super::{Scan, WithScan};

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

/// Every scan of `input` from every start, as one list.
struct AllScans<'a>(&'a [u8]);

impl WithScan for AllScans<'_> {
    type Output = Vec<[usize; 9]>;
    #[inline(always)]
    fn run<S: Scan>(self, s: S) -> Vec<[usize; 9]> {
        (0..=self.0.len())
            .map(|i| {
                let (name, value_start, value) = s.field_line(self.0, i);
                let host = |end| match s.host_value(self.0, i, end) {
                    Some(ok) => usize::from(ok),
                    None => 2,
                };
                [
                    s.value_end(self.0, i),
                    s.path_end(self.0, i),
                    s.token_end(self.0, i),
                    s.host_end(self.0, i),
                    name,
                    value_start,
                    value,
                    host(self.0.len()),
                    host(i + (self.0.len() - i) / 2),
                ]
            })
            .collect()
    }
}

/// Runs the scans with every implementation available on this CPU.
fn results(input: &[u8]) -> Vec<(&'static str, Vec<[usize; 9]>)> {
    #[allow(unused_mut)]
    let mut v = vec![("dispatch", super::dispatch(AllScans(input)))];
    #[cfg(all(target_arch = "x86_64", not(dext_no_simd)))]
    {
        use super::x86;
        v.push(("sse2", AllScans(input).run(x86::Sse2)));
        if let Some(avx2) = x86::Avx2::detect() {
            v.push(("avx2", x86::run_avx2(avx2, AllScans(input))));
        }
    }
    v
}

fn check(input: &[u8]) {
    let want = AllScans(input).run(Scalar);
    for (name, got) in results(input) {
        assert_eq!(got, want, "{name} on {input:?}");
    }
}

#[test]
fn every_byte_at_every_position() {
    // Each of the 256 byte values, placed at each offset of a 70-byte valid run, exercises
    // every lane of the 16- and 32-byte steps, the overlapping last block and short inputs.
    for b in 0..=255u8 {
        for pos in [0, 1, 15, 16, 17, 31, 32, 33, 47, 63, 64, 65, 69] {
            let mut input = vec![b'a'; 70];
            // A colon early, late or past the first block, and blanks after it, so that field
            // lines take every path.
            let colon = [3, 30, 31, 40][pos % 4];
            input[colon] = b':';
            input[colon + 1] = [b' ', b'\t', b'a'][pos % 3];
            input[pos] = b;
            check(&input);
            check(&input[..pos + 1]);
            check(&input[pos..]);
        }
    }
}

#[test]
fn classes_match_the_rfc() {
    for b in 0..=255u8 {
        let value = b == b'\t' || b == b' ' || (0x21..=0x7e).contains(&b) || b >= 0x80;
        assert_eq!(scalar::is_value_byte(b), value, "value byte {b:#x}");
        let path = (0x21..=0x7e).contains(&b) && b != b'?' && b != b'#';
        assert_eq!(scalar::is_path_byte(b), path, "path byte {b:#x}");
        let tchar = b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
        assert_eq!(crate::header::TCHAR[b as usize], tchar, "tchar {b:#x}");
        let host = b.is_ascii_alphanumeric() || b"-._~%!$&'()*+,;=".contains(&b);
        assert_eq!(scalar::is_host_byte(b), host, "host byte {b:#x}");
    }
}

#[test]
fn random_inputs_agree_with_the_oracle() {
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    for _ in 0..3_000 {
        let len = (rng.next() % 120) as usize;
        // Mostly tchars, with a rare byte from the whole range, so that runs are long enough
        // to reach the vector loops for all three classes.
        let rare = 1 + rng.next() % 64;
        let input: Vec<u8> = (0..len)
            .map(|_| {
                let r = rng.next();
                if r % rare == 0 {
                    (r >> 8) as u8
                } else if r % 7 == 1 {
                    b':'
                } else if r % 7 == 2 {
                    b' '
                } else {
                    b'a' + ((r >> 16) % 26) as u8
                }
            })
            .collect();
        check(&input);
    }
}

/// [`Scan::known_name`] for the name at `start` (up to its colon) of one input.
struct KnownName<'a>(&'a [u8], usize);

impl WithScan for KnownName<'_> {
    type Output = Option<crate::header::KnownHeader>;
    #[inline(always)]
    fn run<S: Scan>(self, s: S) -> Self::Output {
        let end = s.token_end(self.0, self.1);
        s.known_name(self.0, self.1, end)
    }
}

#[test]
fn known_names_agree_with_the_oracle() {
    // Each known name, its upper-case form and near misses (one byte more, one less, one
    // changed), at the start of a block and near the end of the buffer.
    for (k, &name) in crate::header::NAMES.iter().enumerate() {
        let upper = name.to_ascii_uppercase();
        let mut longer = name.to_vec();
        longer.push(b's');
        let mut changed = name.to_vec();
        changed[name.len() / 2] ^= 0x01;
        let variants: [(&[u8], bool); 5] =
            [(name, true), (&upper, true), (&longer, false), (&name[..name.len() - 1], false), (&changed, false)];
        for (variant, known) in variants {
            for tail in [0, 5, 40] {
                let mut input = variant.to_vec();
                input.extend_from_slice(b": value\r\n");
                input.extend(std::iter::repeat_n(b'w', tail));
                let want = KnownName(&input, 0).run(Scalar);
                assert_eq!(want.map(|h| h as usize) == Some(k), known, "{:?}", String::from_utf8_lossy(&input));
                #[cfg(all(target_arch = "x86_64", not(dext_no_simd)))]
                {
                    use super::x86;
                    assert_eq!(KnownName(&input, 0).run(x86::Sse2), want);
                    if let Some(avx2) = x86::Avx2::detect() {
                        assert_eq!(x86::run_avx2(avx2, KnownName(&input, 0)), want, "{input:?}");
                    }
                }
            }
        }
    }
}

/// [`Scan::host_value`] of `buf[start..end]`.
struct HostValue<'a>(&'a [u8], usize, usize);

impl WithScan for HostValue<'_> {
    type Output = Option<bool>;
    #[inline(always)]
    fn run<S: Scan>(self, s: S) -> Option<bool> {
        s.host_value(self.0, self.1, self.2)
    }
}

#[test]
fn host_values_agree_with_the_oracle() {
    let cases: [(&[u8], Option<bool>); 11] = [
        (b"tfb-server:8080", Some(true)),
        (b"example.com", Some(true)),
        (b"a:1", Some(true)),
        (b"a:", Some(true)),
        (b"", Some(true)),
        (b"[::1]:80", None),
        (b"x:80a", Some(false)),
        (b"x:8 0", Some(false)),
        (b"bad host", Some(false)),
        (b"a:\xb9", Some(false)),
        (b"a-very-long-host-name.example.com:8080", Some(true)),
    ];
    for (value, want) in cases {
        // At the start of a block, near the end of the buffer, and in short buffers.
        for (pad, tail) in [(0, 0), (0, 40), (30, 2), (40, 0), (3, 3)] {
            let mut input = vec![b'x'; pad];
            input.extend_from_slice(value);
            input.extend_from_slice(b"\r\n");
            input.extend(std::iter::repeat_n(b'w', tail));
            let job = || HostValue(&input, pad, pad + value.len());
            assert_eq!(job().run(Scalar), want, "{:?}", String::from_utf8_lossy(&input));
            #[cfg(all(target_arch = "x86_64", not(dext_no_simd)))]
            if let Some(avx2) = super::x86::Avx2::detect() {
                assert_eq!(super::x86::run_avx2(avx2, job()), want, "{:?}", String::from_utf8_lossy(&input));
            }
        }
    }
}
