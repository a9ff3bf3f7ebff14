//! Route pattern syntax: parsing, validation, and the shape comparison behind the conflict errors.

use super::InsertError;
use super::params::MAX_PARAMS;

/// A parsed route pattern: `head` (`:x` middle)* tail.
///
/// The layout mirrors the tree: a non-empty static run, then any number of parameters each followed by a
/// non-empty static run (which starts with `/`), then how the route ends. Every static run that precedes a
/// wildcard ends with `/`, because wildcards only start a segment.
#[derive(Debug)]
pub(super) struct Pattern {
    /// The leading static bytes, starting with `/`.
    pub(super) head: Box<[u8]>,
    /// Parameters that are followed by more static bytes: `(name, static run starting with '/')`.
    pub(super) middle: Vec<(Box<str>, Box<[u8]>)>,
    /// What ends the pattern after the last static run.
    pub(super) tail: Tail,
}

/// The end of a [`Pattern`].
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Tail {
    /// The last static run ends the pattern.
    Static,
    /// A final `:name` segment.
    Param(Box<str>),
    /// A final `*name` segment.
    CatchAll(Box<str>),
}

/// One piece of a pattern while parsing.
enum Piece<'a> {
    Static(&'a str),
    Param(&'a str),
    CatchAll(&'a str),
}

impl Pattern {
    /// Parses and validates `path`.
    ///
    /// `:name` and `*name` are wildcards only at the start of a segment, and the name runs to the next `/`;
    /// elsewhere `:` and `*` are ordinary bytes (so `/v1/items:batchGet` is a static route).
    pub(super) fn parse(path: &str) -> Result<Pattern, InsertError> {
        if !path.starts_with('/') {
            return Err(InsertError::MissingLeadingSlash);
        }
        let pieces = split(path)?;
        let names: Vec<&str> = pieces
            .iter()
            .filter_map(|p| match p {
                Piece::Param(n) | Piece::CatchAll(n) => Some(*n),
                Piece::Static(_) => None,
            })
            .collect();
        if names.len() > MAX_PARAMS {
            return Err(InsertError::TooManyParams);
        }
        for (i, name) in names.iter().enumerate() {
            if names[..i].contains(name) {
                return Err(InsertError::DuplicateParamName { name: (*name).to_owned() });
            }
        }

        // `split` alternates static and wildcard pieces, starting with a static one (the path starts with
        // `/`) and with a catch-all only last, so the pieces fold into the Pattern layout directly.
        let mut pieces = pieces.into_iter();
        let head = match pieces.next() {
            Some(Piece::Static(s)) => s.as_bytes().into(),
            _ => return Err(InsertError::MissingLeadingSlash),
        };
        let mut middle = Vec::new();
        let mut tail = Tail::Static;
        while let Some(piece) = pieces.next() {
            match piece {
                Piece::Param(name) => match pieces.next() {
                    Some(Piece::Static(s)) => middle.push((name.into(), s.as_bytes().into())),
                    _ => tail = Tail::Param(name.into()),
                },
                Piece::CatchAll(name) => tail = Tail::CatchAll(name.into()),
                Piece::Static(_) => {}
            }
        }
        Ok(Pattern { head, middle, tail })
    }

    /// Compares with another route's pattern.
    ///
    /// `Ok(true)`: same shape, i.e. the same route (same tree position). `Ok(false)`: the patterns part ways
    /// somewhere. `Err`: at some position where both have a wildcard of the same kind, the names differ, which
    /// the tree cannot represent (one parameter node per position).
    pub(super) fn same_shape(&self, other: &Pattern) -> Result<bool, InsertError> {
        if self.head != other.head {
            return Ok(false);
        }
        let mut i = 0;
        loop {
            match (self.middle.get(i), other.middle.get(i)) {
                (Some((a, sa)), Some((b, sb))) => {
                    check_names(a, b)?;
                    if sa != sb {
                        return Ok(false);
                    }
                }
                // One pattern goes on with `:a/...` where the other ends: a final `:b` there is the same node.
                (Some((a, _)), None) => {
                    if let Tail::Param(b) = &other.tail {
                        check_names(a, b)?;
                    }
                    return Ok(false);
                }
                (None, Some((b, _))) => {
                    if let Tail::Param(a) = &self.tail {
                        check_names(a, b)?;
                    }
                    return Ok(false);
                }
                (None, None) => break,
            }
            i += 1;
        }
        match (&self.tail, &other.tail) {
            (Tail::Static, Tail::Static) => Ok(true),
            (Tail::Param(a), Tail::Param(b)) | (Tail::CatchAll(a), Tail::CatchAll(b)) => {
                check_names(a, b)?;
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}

/// Errors unless two wildcards at the same position have the same name.
fn check_names(existing: &str, new: &str) -> Result<(), InsertError> {
    if existing == new {
        Ok(())
    } else {
        Err(InsertError::ParamNameConflict { existing: existing.to_owned(), new: new.to_owned() })
    }
}

/// Splits `path` (which starts with `/`) into static runs and wildcards.
fn split(path: &str) -> Result<Vec<Piece<'_>>, InsertError> {
    let bytes = path.as_bytes();
    let mut pieces = Vec::new();
    // Start of the static run being accumulated.
    let mut run = 0;
    // Index of the `/` that opens the segment being looked at.
    let mut slash = 0;
    loop {
        let start = slash + 1;
        let end = bytes[start..].iter().position(|&b| b == b'/').map_or(bytes.len(), |i| start + i);
        let kind = bytes.get(start).copied();
        if kind == Some(b':') || kind == Some(b'*') {
            // `start` follows an ASCII `/` and `end` is an ASCII `/` or the end, so both are char boundaries.
            let name = &path[start + 1..end];
            if name.is_empty() {
                return Err(InsertError::EmptyParamName);
            }
            pieces.push(Piece::Static(&path[run..start]));
            if kind == Some(b':') {
                pieces.push(Piece::Param(name));
            } else {
                if end != bytes.len() {
                    return Err(InsertError::CatchAllNotLast);
                }
                pieces.push(Piece::CatchAll(name));
            }
            run = end;
        }
        if end == bytes.len() {
            break;
        }
        slash = end;
    }
    if run < bytes.len() {
        pieces.push(Piece::Static(&path[run..]));
    }
    Ok(pieces)
}
