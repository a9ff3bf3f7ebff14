//! The Date formatter and the framing writers.

use super::*;

#[test]
fn dates() {
    let cases: &[(u64, &str)] = &[
        (0, "Thu, 01 Jan 1970 00:00:00 GMT"),
        (784_111_777, "Sun, 06 Nov 1994 08:49:37 GMT"),
        (951_782_400, "Tue, 29 Feb 2000 00:00:00 GMT"),
        (1_709_164_800, "Thu, 29 Feb 2024 00:00:00 GMT"),
        (4_107_542_399, "Sun, 28 Feb 2100 23:59:59 GMT"),
        (4_133_980_799, "Fri, 31 Dec 2100 23:59:59 GMT"),
        (253_402_300_799, "Fri, 31 Dec 9999 23:59:59 GMT"),
        (u64::MAX, "Fri, 31 Dec 9999 23:59:59 GMT"),
    ];
    for &(secs, want) in cases {
        assert_eq!(HttpDate::from_unix(secs).as_str(), want, "{secs}");
    }
}

#[test]
fn dates_agree_with_a_day_by_day_count() {
    // Walk every day from 1970 to 2200 with a naive calendar and compare.
    let (mut y, mut m, mut d) = (1970u32, 1u32, 1u32);
    let leap = |y: u32| (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    for day in 0..84_000u64 {
        let (cy, cm, cd) = civil_from_days(day as i64);
        assert_eq!((cy as u32, cm, cd), (y, m, d), "day {day}");
        let len = match m {
            2 if leap(y) => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        d += 1;
        if d > len {
            d = 1;
            m += 1;
            if m > 12 {
                m = 1;
                y += 1;
            }
        }
    }
}

#[test]
fn update_reformats_only_on_a_new_second() {
    let mut date = HttpDate::from_unix(10);
    assert!(!date.update(10));
    assert!(date.update(11));
    assert_eq!(date.as_str(), "Thu, 01 Jan 1970 00:00:11 GMT");
}

#[test]
fn chunks_and_numbers() {
    let mut out = Vec::new();
    write_chunk(&mut out, b"hello");
    write_chunk(&mut out, &[b'x'; 26]);
    write_chunk(&mut out, b"");
    write_last_chunk(&mut out);
    let mut want = b"5\r\nhello\r\n1a\r\n".to_vec();
    want.extend_from_slice(&[b'x'; 26]);
    want.extend_from_slice(b"\r\n0\r\n\r\n");
    assert_eq!(out, want);

    // Each fixed-size width, both ends, and the general case.
    for n in [0u64, 9, 10, 13, 99, 100, 999, 1000, 9999, 10_000, 123_456_789, u64::MAX] {
        let mut out = b"x".to_vec();
        write_content_length(&mut out, n);
        assert_eq!(String::from_utf8(out).unwrap(), format!("xContent-Length: {n}\r\n"));
    }
}

#[test]
fn status_lines() {
    for (code, want) in [
        (200, "HTTP/1.1 200 OK\r\n"),
        (404, "HTTP/1.1 404 Not Found\r\n"),
        (431, "HTTP/1.1 431 Request Header Fields Too Large\r\n"),
        (599, "HTTP/1.1 599 \r\n"),
    ] {
        let mut out = Vec::new();
        write_status_line(&mut out, StatusCode::from_u16(code).unwrap());
        assert_eq!(String::from_utf8(out).unwrap(), want);
    }
}
