//! JSONTestSuite (`test_parsing/`): every `y_` file accepted, every `n_` file refused, and
//! every `i_` file answered one way or the other without a panic. The `i_` answers are listed
//! in `crates/dext-json/README.md`; this test holds the reader to that list.

use std::collections::BTreeMap;

use dext_json::validate;

/// The `i_` files this reader accepts (all others it refuses).
const I_ACCEPTED: &[&str] = &[
    "i_number_double_huge_neg_exp.json",
    "i_number_huge_exp.json",
    "i_number_neg_int_huge_exp.json",
    "i_number_pos_double_huge_exp.json",
    "i_number_real_neg_overflow.json",
    "i_number_real_pos_overflow.json",
    "i_number_real_underflow.json",
    "i_number_too_big_neg_int.json",
    "i_number_too_big_pos_int.json",
    "i_number_very_big_negative_int.json",
];

#[test]
fn json_test_suite() {
    let dir = super::data("JSONTestSuite/test_parsing");
    let mut wrong = Vec::new();
    let mut implementation_defined = BTreeMap::new();
    let mut counts = [0usize; 3];
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let bytes = std::fs::read(&path).unwrap();
        let result = validate(&bytes);
        // `validate` and the DOM walk the grammar (`read/walk.rs`); the token loop keeps it as
        // state. All three must answer alike, with the same error kind at the same offset.
        let tokens = {
            let mut r = dext_json::Reader::new(&bytes);
            loop {
                match r.next_token() {
                    Ok(Some(_)) => {}
                    Ok(None) => break Ok(()),
                    Err(e) => break Err((e.kind(), e.offset())),
                }
            }
        };
        let walked = result.map_err(|e| (e.kind(), e.offset()));
        let dom = dext_json::Document::parse(&bytes).map(|_| ()).map_err(|e| (e.kind(), e.offset()));
        if walked != tokens || dom != tokens {
            wrong.push(format!("{name}: validate answers {walked:?}, the DOM {dom:?}, the token loop {tokens:?}"));
        }
        match &name[..2] {
            "y_" => {
                counts[0] += 1;
                if let Err(e) = result {
                    wrong.push(format!("{name}: refused ({e})"));
                }
            }
            "n_" => {
                counts[1] += 1;
                if result.is_ok() {
                    wrong.push(format!("{name}: accepted"));
                }
            }
            "i_" => {
                counts[2] += 1;
                implementation_defined.insert(name, result.is_ok());
            }
            _ => {}
        }
    }
    assert!(wrong.is_empty(), "{} wrong answers:\n{}", wrong.len(), wrong.join("\n"));
    assert_eq!(counts, [95, 188, 35], "the suite's files (y_, n_, i_)");
    let accepted: Vec<&str> = implementation_defined.iter().filter(|(_, ok)| **ok).map(|(n, _)| n.as_str()).collect();
    assert_eq!(accepted, I_ACCEPTED, "the i_ files accepted changed: update I_ACCEPTED and the README");
}

/// serde walks the grammar itself (recursive descent, not the reader's token loop): it must
/// answer every file of the suite as the reader does, into `IgnoredAny` (which skips through
/// the reader's skipping) and into `serde_json::Value` (which visits every value).
#[cfg(feature = "serde")]
#[test]
fn json_test_suite_through_serde() {
    use serde::de::IgnoredAny;
    let dir = super::data("JSONTestSuite/test_parsing");
    let mut wrong = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let bytes = std::fs::read(&path).unwrap();
        let want = validate(&bytes).is_ok();
        if dext_json::serde::from_slice::<IgnoredAny>(&bytes).is_ok() != want {
            wrong.push(format!("{name}: IgnoredAny answers {}", !want));
        }
        // Numbers beyond f64 (the accepted `i_number_*` files) are infinities in a `Value`,
        // which has no room for them: serde_json's own `Value` refuses those too.
        if name.starts_with("i_number") {
            continue;
        }
        let value = dext_json::serde::from_slice::<serde_json::Value>(&bytes);
        if value.is_ok() != want {
            wrong.push(format!("{name}: Value answers {}", !want));
        }
        // The descent's grammar errors are the reader's: the same kind at the same offset.
        if let (Err(ours), Err(reader)) = (&value, validate(&bytes)) {
            if (ours.kind(), ours.offset()) != (Some(reader.kind()), Some(reader.offset())) {
                wrong.push(format!("{name}: serde says {ours}, the reader {reader}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{} wrong answers:\n{}", wrong.len(), wrong.join("\n"));
}
