//! Response encoding (RFC 9112 sections 4 to 7) and the cached `Date` value.
//!
//! Everything is written straight into the caller's output buffer: status line, `Date`,
//! the handler's header lines, the framing header, `Connection` when needed, then the body.
//! The framing rules (RFC 9112 section 6.3, RFC 9110 section 6.4.1):
//! - 1xx, 204 and 304 carry no body and no Content-Length;
//! - a response to HEAD carries the Content-Length of the body it would have had, no body;
//! - a complete body gets Content-Length; a streamed body is chunked for HTTP/1.1 and
//!   delimited by closing the connection for HTTP/1.0.

use crate::StatusCode;

/// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`, RFC 9110 section 5.6.7) for the `Date`
/// header, re-formatted only when the second changes. The codec has no clock: the driver
/// calls [`HttpDate::update`] with the time (at most once per second has any cost).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HttpDate {
    secs: u64,
    /// `Date: <date>\r\n`, the whole header line, written with one fixed-size copy.
    line: [u8; 37],
}

impl Default for HttpDate {
    fn default() -> Self {
        HttpDate::from_unix(0)
    }
}

impl HttpDate {
    /// The date for `secs` seconds since the Unix epoch.
    pub fn from_unix(secs: u64) -> HttpDate {
        let mut date = HttpDate { secs, line: *b"Date: Thu, 01 Jan 1970 00:00:00 GMT\r\n" };
        date.format();
        date
    }

    /// Moves the date to `secs`; returns whether the text changed.
    #[inline]
    pub fn update(&mut self, secs: u64) -> bool {
        if secs == self.secs {
            return false;
        }
        self.secs = secs;
        self.format();
        true
    }

    /// The formatted date.
    pub fn as_bytes(&self) -> &[u8; 29] {
        self.line[6..35].try_into().expect("the date is 29 bytes of the line")
    }

    /// The formatted date as text.
    pub fn as_str(&self) -> &str {
        core::str::from_utf8(&self.line[6..35]).unwrap_or_default()
    }

    /// The header line: `Date: <date>\r\n`.
    #[inline(always)]
    pub(crate) fn line(&self) -> &[u8; 37] {
        &self.line
    }

    fn format(&mut self) {
        const DAYS: [&[u8; 3]; 7] = [b"Thu", b"Fri", b"Sat", b"Sun", b"Mon", b"Tue", b"Wed"];
        const MONTHS: [&[u8; 3]; 12] =
            [b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec"];
        // Years past 9999 do not fit the format; clamp to the last second it can show.
        let secs = self.secs.min(253_402_300_799);
        let days = secs / 86_400;
        let rem = secs % 86_400;
        let (year, month, day) = civil_from_days(days as i64);
        let t = &mut self.line[6..35];
        t[..3].copy_from_slice(DAYS[(days % 7) as usize]);
        t[3..5].copy_from_slice(b", ");
        two(&mut t[5..7], day);
        t[7] = b' ';
        t[8..11].copy_from_slice(MONTHS[month as usize - 1]);
        t[11] = b' ';
        two(&mut t[12..14], (year / 100) as u32);
        two(&mut t[14..16], (year % 100) as u32);
        t[16] = b' ';
        two(&mut t[17..19], (rem / 3600) as u32);
        t[19] = b':';
        two(&mut t[20..22], (rem / 60 % 60) as u32);
        t[22] = b':';
        two(&mut t[23..25], (rem % 60) as u32);
        t[25..29].copy_from_slice(b" GMT");
    }
}

fn two(out: &mut [u8], n: u32) {
    out[0] = b'0' + (n / 10 % 10) as u8;
    out[1] = b'0' + (n % 10) as u8;
}

/// Days since 1970-01-01 to (year, month 1..=12, day 1..=31), proleptic Gregorian calendar
/// (the era-based method: 400-year eras of 146,097 days).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Appends `Content-Length: <n>\r\n`; lengths below 10,000 as one fixed-size copy.
#[inline(always)]
pub(crate) fn write_content_length(out: &mut Vec<u8>, n: u64) {
    const PREFIX: &[u8; 16] = b"Content-Length: ";
    #[inline(always)]
    fn line<const N: usize>(out: &mut Vec<u8>, mut n: u64) {
        let mut b = [0u8; N];
        b[..16].copy_from_slice(PREFIX);
        b[N - 2] = b'\r';
        b[N - 1] = b'\n';
        let mut i = N - 3;
        loop {
            b[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if i == 16 {
                break;
            }
            i -= 1;
        }
        out.extend_from_slice(&b);
    }
    match n {
        0..=9 => line::<19>(out, n),
        10..=99 => line::<20>(out, n),
        100..=999 => line::<21>(out, n),
        1000..=9999 => line::<22>(out, n),
        _ => {
            out.extend_from_slice(PREFIX);
            let mut digits = [0u8; 20];
            let mut i = digits.len();
            let mut n = n;
            loop {
                i -= 1;
                digits[i] = b'0' + (n % 10) as u8;
                n /= 10;
                if n == 0 {
                    break;
                }
            }
            out.extend_from_slice(&digits[i..]);
            out.extend_from_slice(b"\r\n");
        }
    }
}

/// Appends `HTTP/1.1 <code> <reason>\r\n`.
#[inline(always)]
pub(crate) fn write_status_line(out: &mut Vec<u8>, status: StatusCode) {
    // The two most common lines in one copy each.
    match status.as_u16() {
        200 => out.extend_from_slice(b"HTTP/1.1 200 OK\r\n"),
        404 => out.extend_from_slice(b"HTTP/1.1 404 Not Found\r\n"),
        _ => {
            out.extend_from_slice(b"HTTP/1.1 ");
            out.extend_from_slice(&status.digits());
            out.push(b' ');
            out.extend_from_slice(status.reason().as_bytes());
            out.extend_from_slice(b"\r\n");
        }
    }
}

/// Appends one chunk of a chunked body (nothing for an empty chunk, which would end it).
pub fn write_chunk(out: &mut Vec<u8>, data: &[u8]) {
    if data.is_empty() {
        return;
    }
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut buf = [0u8; 16];
    let mut i = buf.len();
    let mut n = data.len();
    loop {
        i -= 1;
        buf[i] = HEX[n & 15];
        n >>= 4;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[i..]);
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(data);
    out.extend_from_slice(b"\r\n");
}

/// Appends the last chunk and an empty trailer section.
pub fn write_last_chunk(out: &mut Vec<u8>) {
    out.extend_from_slice(b"0\r\n\r\n");
}

#[cfg(test)]
mod tests;
