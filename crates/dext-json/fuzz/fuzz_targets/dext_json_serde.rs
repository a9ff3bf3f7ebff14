//! serde both ways on arbitrary bytes: deserializing into a `serde_json::Value` through
//! dext-json gives what serde_json gives (accepting and refusing the same inputs, except
//! numbers beyond `f64`'s range, which serde_json refuses and `Value` cannot hold either way,
//! and nesting deeper than serde_json's limit); serializing that value gives serde_json's
//! bytes exactly, and reads back to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let ours = dext_json::serde::from_slice::<Value>(data);
    if data.iter().filter(|&&b| b == b'[' || b == b'{').count() > 100 {
        return;
    }
    let theirs = serde_json::from_slice::<Value>(data);
    match (&ours, &theirs) {
        (Ok(a), Ok(b)) => assert!(a == b, "{a:?} / {b:?}"),
        (Err(_), Err(_)) => {}
        (Ok(a), Err(e)) => assert!(e.to_string().contains("number out of range"), "accepted {a:?}, serde_json: {e}"),
        (Err(e), Ok(b)) => panic!("refused {b:?}: {e}"),
    }
    let Ok(value) = ours else { return };
    match dext_json::serde::to_vec(&value) {
        Ok(out) => {
            assert_eq!(out, serde_json::to_vec(&value).unwrap());
            assert!(dext_json::serde::from_slice::<Value>(&out).unwrap() == value);
        }
        // An out-of-range number became an infinity, which JSON cannot hold: refused.
        Err(e) => assert_eq!(e.kind(), Some(dext_json::ErrorKind::NonFiniteNumber), "{e}"),
    }
});
