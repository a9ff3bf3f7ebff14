//! The reader allocates nothing: tokenizing `twitter.json` (and decoding every string into
//! one reused buffer, once it has grown) counts zero heap allocations.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use dext_json::{Reader, Token};

struct Counting;

thread_local! {
    /// Allocations made by this thread while counting is on.
    static COUNT: Cell<Option<usize>> = const { Cell::new(None) };
}

fn note() {
    // `try_with`: the allocator may run while thread-locals are torn down.
    let _ = COUNT.try_with(|c| {
        if let Some(n) = c.get() {
            c.set(Some(n + 1));
        }
    });
}

// SAFETY: forwards every call to the system allocator unchanged; counting touches no heap.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note();
        // SAFETY: the caller's contract is passed on unchanged.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note();
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Reads the whole document; returns (tokens, bytes of decoded strings).
fn read_all(input: &[u8], scratch: &mut String) -> (usize, usize) {
    let mut r = Reader::new(input);
    let (mut tokens, mut text) = (0, 0);
    while let Some(t) = r.next_token().unwrap() {
        tokens += 1;
        if let Token::Key(s) | Token::String(s) = t {
            text += s.decode(scratch).len();
        }
    }
    (tokens, text)
}

#[test]
fn tokenizing_twitter_allocates_nothing() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/json/bench/twitter.json");
    let input = std::fs::read(path).unwrap();
    let mut scratch = String::new();
    // Warm-up: the scratch buffer grows to the longest escaped string.
    let first = read_all(&input, &mut scratch);
    COUNT.with(|c| c.set(Some(0)));
    let again = read_all(&input, &mut scratch);
    let allocations = COUNT.with(|c| c.replace(None)).unwrap();
    assert_eq!(first, again);
    assert!(again.0 > 20_000 && again.1 > 100_000, "{again:?}");
    assert_eq!(allocations, 0, "allocations while reading twitter.json");
}

#[test]
fn a_document_is_a_few_buffers_whatever_its_size() {
    // The allocations of a DOM parse do not grow with the number of values: twitter.json
    // (29,573 tokens) takes about as many as a document of a handful.
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/json/bench/twitter.json");
    let input = std::fs::read(path).unwrap();
    let count = |doc: &[u8]| {
        COUNT.with(|c| c.set(Some(0)));
        let parsed = dext_json::Document::parse(doc).unwrap();
        let n = COUNT.with(|c| c.replace(None)).unwrap();
        drop(parsed);
        n
    };
    let big = count(&input);
    let small = count(br#"{"a": [1, "x\n"], "b": {"c": null}}"#);
    assert!(big <= small + 24, "twitter.json: {big} allocations, a small document: {small}");
}

/// serde deserialization allocates only what the value owns: nothing for borrowed `&str`
/// fields and numbers, and for a `Vec` its own growth.
#[cfg(feature = "serde")]
#[test]
fn serde_borrows_instead_of_allocating() {
    #[derive(serde::Deserialize)]
    #[allow(dead_code)]
    struct User<'a> {
        id: u64,
        name: &'a str,
        screen_name: &'a str,
        score: f64,
        verified: bool,
        bio: Option<&'a str>,
    }
    let one = br#"{"id": 12345, "name": "Ada Lovelace", "screen_name": "ada", "score": 99.5,
        "verified": true, "bio": "first programmer", "ignored": {"deep": [1, 2, {"x": "y"}]}}"#;
    COUNT.with(|c| c.set(Some(0)));
    let user: User<'_> = dext_json::serde::from_slice(one).unwrap();
    let allocations = COUNT.with(|c| c.replace(None)).unwrap();
    assert_eq!((user.id, user.name, user.bio), (12345, "Ada Lovelace", Some("first programmer")));
    assert_eq!(allocations, 0, "a struct of borrowed strings and numbers");

    // 1,000 of them in a Vec: only the Vec's own growth (doubling: about log2(1000) + 1).
    let mut many = b"[".to_vec();
    for i in 0..1000 {
        if i > 0 {
            many.push(b',');
        }
        many.extend_from_slice(
            format!(r#"{{"id":{i},"name":"n{i}","screen_name":"s","score":1.5,"verified":false,"bio":null}}"#)
                .as_bytes(),
        );
    }
    many.push(b']');
    COUNT.with(|c| c.set(Some(0)));
    let users: Vec<User<'_>> = dext_json::serde::from_slice(&many).unwrap();
    let allocations = COUNT.with(|c| c.replace(None)).unwrap();
    assert_eq!(users.len(), 1000);
    assert!(allocations <= 12, "{allocations} allocations for a Vec of 1,000 borrowed structs");
}
