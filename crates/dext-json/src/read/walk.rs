//! A walk of one document's grammar that reports what it finds to a [`Visit`], with the
//! reader's scanners: a value is due at the top of the outer loop, and the inner loop takes
//! the commas and closing brackets after one, so that where the walk is in the grammar is
//! where it is in the code (the token loop, [`Reader::next_token`], keeps that as state).
//! The DOM builds its nodes this way, and [`super::validate`] walks with a visitor that does
//! nothing. The errors are the token loop's, kind and offset (`tests/it/suite.rs` holds them
//! to it).

use super::Reader;
use crate::error::{Error, ErrorKind};
use crate::nest::Nesting;

/// What a walk reports, in document order. Every value is one call: `open` (then its
/// contents, then `close`), `string`, `number` or `literal`; a member's key comes before its
/// value.
pub(crate) trait Visit<'a> {
    /// How many arrays and objects are open (the visitor keeps that stack).
    fn depth(&self) -> u32;
    /// Whether the innermost open one is an object.
    fn in_object(&self) -> bool;
    /// An array (`object` false) or object was opened; `false` if the visitor's stack is
    /// full.
    fn open(&mut self, r: &Reader<'a>, object: bool) -> Result<bool, Error>;
    /// The innermost open array or object was closed.
    fn close(&mut self, r: &Reader<'a>, object: bool) -> Result<(), Error>;
    /// A member's key is next (its `"`): the visitor reads it from `r` (with
    /// [`Reader::string`] or [`Reader::string_decoded`]).
    fn key(&mut self, r: &mut Reader<'a>) -> Result<(), Error>;
    /// A string value is next (its `"`): the visitor reads it from `r`.
    fn string(&mut self, r: &mut Reader<'a>) -> Result<(), Error>;
    /// A number, `input[start..end]` (checked against the grammar, not converted).
    fn number(&mut self, start: usize, end: usize);
    /// `true` (`Some(true)`), `false` or `null` (`None`).
    fn literal(&mut self, value: Option<bool>);
}

/// A visitor that keeps only the nesting: the walk then only validates.
pub(crate) struct Nothing(pub(crate) Nesting);

impl<'a> Visit<'a> for Nothing {
    #[inline(always)]
    fn depth(&self) -> u32 {
        self.0.depth()
    }
    #[inline(always)]
    fn in_object(&self) -> bool {
        self.0.in_object()
    }
    #[inline(always)]
    fn open(&mut self, _: &Reader<'a>, object: bool) -> Result<bool, Error> {
        Ok(self.0.push(object))
    }
    #[inline(always)]
    fn close(&mut self, _: &Reader<'a>, _: bool) -> Result<(), Error> {
        self.0.pop();
        Ok(())
    }
    #[inline(always)]
    fn key(&mut self, r: &mut Reader<'a>) -> Result<(), Error> {
        r.skip_string()
    }
    #[inline(always)]
    fn string(&mut self, r: &mut Reader<'a>) -> Result<(), Error> {
        r.skip_string()
    }
    #[inline(always)]
    fn number(&mut self, _: usize, _: usize) {}
    #[inline(always)]
    fn literal(&mut self, _: Option<bool>) {}
}

/// Walks the document `r` was made for, from its start, through its end (only whitespace
/// may follow the value).
#[inline(always)]
pub(crate) fn walk<'a, V: Visit<'a>>(r: &mut Reader<'a>, v: &mut V) -> Result<(), Error> {
    let end_error = |r: &Reader<'a>| r.fail::<()>(ErrorKind::UnexpectedEnd, r.input_len());
    'value: loop {
        let Some(b) = r.skip_ws() else { return end_error(r) };
        match b {
            b'{' | b'[' => {
                let object = b == b'{';
                if v.depth() >= r.max_depth || !v.open(r, object)? {
                    return r.fail(ErrorKind::TooDeep, r.offset());
                }
                r.bump();
                match (object, r.skip_ws()) {
                    (_, None) => return end_error(r),
                    // Empty: the loop below closes it.
                    (true, Some(b'}')) | (false, Some(b']')) => {}
                    (true, Some(b'"')) => {
                        key(r, v)?;
                        continue 'value;
                    }
                    (true, Some(_)) => return r.fail(ErrorKind::ExpectedKey, r.offset()),
                    (false, Some(_)) => continue 'value,
                }
            }
            b'"' => v.string(r)?,
            b'-' | b'0'..=b'9' => {
                let start = r.offset();
                r.number_text()?;
                v.number(start, r.offset());
            }
            b't' => v.literal(r.literal(b"true", Some(true))?),
            b'f' => v.literal(r.literal(b"false", Some(false))?),
            b'n' => v.literal(r.literal(b"null", None)?),
            _ => return r.fail(ErrorKind::ExpectedValue, r.offset()),
        }
        // After a value: commas and closing brackets, until another value is due.
        loop {
            if v.depth() == 0 {
                // The document's value is complete: only whitespace may follow.
                if r.skip_ws().is_some() {
                    return r.fail(ErrorKind::TrailingCharacters, r.offset());
                }
                return Ok(());
            }
            let object = v.in_object();
            match r.skip_ws() {
                None => return end_error(r),
                Some(b',') => {
                    r.bump();
                    if object {
                        match r.skip_ws() {
                            Some(b'"') => key(r, v)?,
                            Some(_) => return r.fail(ErrorKind::ExpectedKey, r.offset()),
                            None => return end_error(r),
                        }
                    }
                    continue 'value;
                }
                Some(c @ (b'}' | b']')) => {
                    if (c == b'}') != object {
                        return r.fail(ErrorKind::MismatchedBracket, r.offset());
                    }
                    r.bump();
                    v.close(r, object)?;
                }
                Some(_) => return r.fail(ErrorKind::ExpectedCommaOrEnd, r.offset()),
            }
        }
    }
}

/// A member's key (its `"` is next), and the `:` after it.
#[inline(always)]
fn key<'a, V: Visit<'a>>(r: &mut Reader<'a>, v: &mut V) -> Result<(), Error> {
    v.key(r)?;
    match r.skip_ws() {
        Some(b':') => {
            r.bump();
            Ok(())
        }
        Some(_) => r.fail(ErrorKind::ExpectedColon, r.offset()),
        None => r.fail(ErrorKind::UnexpectedEnd, r.input_len()),
    }
}
