//! Deserialization through the reader.

use ::serde::de::value::BorrowedStrDeserializer;
use ::serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};
use ::serde::forward_to_deserialize_any;

use super::Error;
use crate::error::ErrorKind;
use crate::read::{Reader, ReaderOptions};

/// Deserializes a `T` from `input`, lending `&'de str` fields from it.
///
/// ```
/// #[derive(serde::Deserialize, Debug, PartialEq)]
/// struct User<'a> {
///     id: u64,
///     name: &'a str,
///     tags: Vec<String>,
///     boss: Option<u64>,
/// }
///
/// let u: User<'_> = dext_json::serde::from_slice(br#"{"id": 7, "name": "Ada", "tags": ["a\tb"], "boss": null}"#)?;
/// assert_eq!(u, User { id: 7, name: "Ada", tags: vec!["a\tb".into()], boss: None });
/// # Ok::<(), dext_json::serde::Error>(())
/// ```
pub fn from_slice<'de, T: de::Deserialize<'de>>(input: &'de [u8]) -> Result<T, Error> {
    let mut d = Deserializer::new(input);
    let value = T::deserialize(&mut d).map_err(|e| e.at(d.reader.offset()))?;
    d.end()?;
    Ok(value)
}

/// [`from_slice`] with `options` (nesting limit, big numbers as text).
///
/// ```
/// use dext_json::serde::{DeOptions, from_slice_with};
///
/// #[derive(serde::Deserialize)]
/// struct Payment {
///     amount: String,
///     id: u64,
/// }
/// let p: Payment = from_slice_with(br#"{"amount": 12345678901234567890.123456789, "id": 7}"#, DeOptions::default().big_numbers_as_text(true))?;
/// assert_eq!((p.amount.as_str(), p.id), ("12345678901234567890.123456789", 7));
/// # Ok::<(), dext_json::serde::Error>(())
/// ```
pub fn from_slice_with<'de, T: de::Deserialize<'de>>(input: &'de [u8], options: DeOptions) -> Result<T, Error> {
    let mut d = Deserializer::with_options(input, options);
    let value = T::deserialize(&mut d).map_err(|e| e.at(d.reader.offset()))?;
    d.end()?;
    Ok(value)
}

/// How a [`Deserializer`] reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeOptions {
    /// The reader's options (the nesting limit).
    pub reader: ReaderOptions,
    /// Give numbers that no 64-bit integer or `f64` holds as written ([`crate::Number::is_big`]:
    /// integers beyond 64 bits, more than 17 significant digits, beyond `f64`'s range) to the
    /// visitor as their text (`visit_borrowed_str`), so that a `String` or `&str` field, or
    /// a map of strings, keeps them exactly. A field of a number type then refuses them. Off
    /// by default: such numbers are read as the nearest `f64`.
    pub big_numbers_as_text: bool,
}

impl DeOptions {
    /// With [`DeOptions::big_numbers_as_text`] set.
    pub fn big_numbers_as_text(mut self, on: bool) -> DeOptions {
        self.big_numbers_as_text = on;
        self
    }

    /// With the nesting limit set (see [`ReaderOptions::max_depth`]).
    pub fn max_depth(mut self, depth: u32) -> DeOptions {
        self.reader = self.reader.max_depth(depth);
        self
    }
}

/// [`from_slice`] for a `&str`.
pub fn from_str<'de, T: de::Deserialize<'de>>(input: &'de str) -> Result<T, Error> {
    from_slice(input.as_bytes())
}

/// A serde `Deserializer` over one document (see [`from_slice`]).
///
/// It walks the grammar itself, by recursive descent driven by the visitors (a sequence
/// reads its commas and brackets, a map its keys and colons), using the [`Reader`]'s scanners
/// for strings, numbers and literals, so that no token is built in between and every check
/// the reader makes is made here too.
#[derive(Debug)]
pub struct Deserializer<'de> {
    reader: Reader<'de>,
    /// Open arrays and objects.
    depth: u32,
    max_depth: u32,
    /// [`DeOptions::big_numbers_as_text`].
    big_as_text: bool,
    /// Where strings with escapes are decoded.
    scratch: String,
}

impl<'de> Deserializer<'de> {
    /// A deserializer of `input`.
    pub fn new(input: &'de [u8]) -> Deserializer<'de> {
        Deserializer::with_options(input, DeOptions::default())
    }

    /// A deserializer of `input` with `options`.
    pub fn with_options(input: &'de [u8], options: DeOptions) -> Deserializer<'de> {
        Deserializer {
            reader: Reader::with_options(input, options.reader),
            depth: 0,
            max_depth: options.reader.max_depth.min(crate::read::MAX_DEPTH_LIMIT),
            big_as_text: options.big_numbers_as_text,
            scratch: String::new(),
        }
    }

    fn error(&self, kind: ErrorKind) -> Error {
        let at = self.reader.offset();
        let at = if kind == ErrorKind::UnexpectedEnd { self.reader.input_len() } else { at };
        self.reader.fail::<()>(kind, at).unwrap_err().into()
    }

    /// The next byte after whitespace, which must exist.
    #[inline(always)]
    fn peek(&mut self) -> Result<u8, Error> {
        match self.reader.skip_ws() {
            Some(b) => Ok(b),
            None => Err(self.error(ErrorKind::UnexpectedEnd)),
        }
    }

    /// Checks that nothing but whitespace follows the value.
    pub fn end(&mut self) -> Result<(), Error> {
        match self.reader.skip_ws() {
            None => Ok(()),
            Some(_) => Err(self.error(ErrorKind::TrailingCharacters)),
        }
    }

    /// Steps into an array or object (its bracket is next), within the depth limit.
    #[inline]
    fn open(&mut self) -> Result<(), Error> {
        if self.depth >= self.max_depth {
            return Err(self.error(ErrorKind::TooDeep));
        }
        self.depth += 1;
        self.reader.bump();
        Ok(())
    }

    /// After a visitor has read an array's or object's contents: the closing bracket `end`
    /// must follow (a visitor that stops early, such as a tuple's, leaves more elements than
    /// the type has: refused with `message`, as serde_json does).
    #[inline]
    fn close(&mut self, end: u8, message: &str) -> Result<(), Error> {
        match self.peek()? {
            b if b == end => {
                self.reader.bump();
                self.depth -= 1;
                Ok(())
            }
            b',' => Err(de::Error::custom(message)),
            b']' | b'}' => Err(self.error(ErrorKind::MismatchedBracket)),
            _ => Err(self.error(ErrorKind::ExpectedCommaOrEnd)),
        }
    }

    /// A number as the visitor likes it best: `u64` when it is a non-negative integer in
    /// range, else `i64` when in range, else `f64`.
    #[inline]
    fn visit_number<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value, Error> {
        let n = self.reader.number()?;
        if self.big_as_text && n.is_big() {
            return visitor.visit_borrowed_str(n.as_str());
        }
        if n.is_integer() {
            // `-0` reads as the float, as in serde_json.
            if !n.is_negative() {
                if let Some(u) = n.as_u64() {
                    return visitor.visit_u64(u);
                }
            } else if let Some(i) = n.as_i64().filter(|&i| i != 0) {
                return visitor.visit_i64(i);
            }
        }
        visitor.visit_f64(self.finite(n)?)
    }

    /// The number as an `f64`, which must be finite (a number beyond `f64`'s range has no
    /// `f64`, and would not serialize back: refused, as serde_json does).
    #[inline]
    fn finite(&self, n: crate::Number<'_>) -> Result<f64, Error> {
        let v = n.as_f64();
        if v.is_infinite() {
            return Err(de::Error::custom(format_args!("number out of range: {}", n.as_str())));
        }
        Ok(v)
    }

    /// The string that is next (its `"`): borrowed from the input, or `None` when it had
    /// escapes and was decoded into `scratch`.
    #[inline(always)]
    fn string(&mut self) -> Result<Option<&'de str>, Error> {
        self.scratch.clear();
        Ok(self.reader.string_decoded(&mut self.scratch)?)
    }

    #[inline]
    fn visit_string<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value, Error> {
        match self.string()? {
            Some(borrowed) => visitor.visit_borrowed_str(borrowed),
            None => visitor.visit_str(&self.scratch),
        }
    }

    /// The key of a member (its `"` is next), and the `:` after it.
    #[inline]
    fn key(&mut self) -> Result<Key<'_, 'de>, Error> {
        let borrowed = self.string()?;
        match self.reader.skip_ws() {
            Some(b':') => self.reader.bump(),
            Some(_) => return Err(self.error(ErrorKind::ExpectedColon)),
            None => return Err(self.error(ErrorKind::UnexpectedEnd)),
        }
        Ok(match borrowed {
            Some(k) => Key::Borrowed(k),
            None => Key::Decoded(&self.scratch),
        })
    }
}

impl<'de> de::Deserializer<'de> for &mut Deserializer<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.peek()? {
            b'"' => self.visit_string(visitor),
            b'-' | b'0'..=b'9' => self.visit_number(visitor),
            b'{' => {
                self.open()?;
                let value = visitor.visit_map(Map { de: self, first: true })?;
                self.close(b'}', "more members in the object than the type reads")?;
                Ok(value)
            }
            b'[' => {
                self.open()?;
                let value = visitor.visit_seq(Seq { de: self, first: true })?;
                self.close(b']', "more elements in the array than the type has")?;
                Ok(value)
            }
            b't' => visitor.visit_bool(self.reader.literal(b"true", true)?),
            b'f' => visitor.visit_bool(self.reader.literal(b"false", false)?),
            b'n' => {
                self.reader.literal(b"null", ())?;
                visitor.visit_unit()
            }
            _ => Err(self.error(ErrorKind::ExpectedValue)),
        }
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.peek()? {
            // Straight to the float: what the visitor would make of an integer anyway.
            b'-' | b'0'..=b'9' => {
                let n = self.reader.number()?;
                if self.big_as_text && n.is_big() {
                    return visitor.visit_borrowed_str(n.as_str());
                }
                visitor.visit_f64(self.finite(n)?)
            }
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.peek()? == b'n' {
            self.reader.literal(b"null", ())?;
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.peek()? {
            // A unit variant: `"Variant"`.
            b'"' => match self.string()? {
                Some(borrowed) => visitor.visit_enum(BorrowedStrDeserializer::new(borrowed)),
                None => visitor.visit_enum(self.scratch.as_str().into_deserializer()),
            },
            b'{' => {
                self.open()?;
                let value = visitor.visit_enum(Enum { de: self })?;
                self.close(b'}', "an enum's object has one member")?;
                Ok(value)
            }
            _ => Err(de::Error::custom("expected an enum: a string or an object with one key")),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.peek()?;
        self.reader.skip_value_here(self.max_depth - self.depth)?;
        visitor.visit_unit()
    }

    fn deserialize_u128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.peek()? {
            b'-' | b'0'..=b'9' => {
                let n = self.reader.number()?;
                match n.as_str().parse::<u128>() {
                    Ok(v) if n.is_integer() => visitor.visit_u128(v),
                    _ => Err(de::Error::custom(format_args!("{} is not a u128", n.as_str()))),
                }
            }
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_i128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.peek()? {
            b'-' | b'0'..=b'9' => {
                let n = self.reader.number()?;
                match n.as_str().parse::<i128>() {
                    Ok(v) if n.is_integer() => visitor.visit_i128(v),
                    _ => Err(de::Error::custom(format_args!("{} is not an i128", n.as_str()))),
                }
            }
            _ => self.deserialize_any(visitor),
        }
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 u8 u16 u32 u64 f32 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct identifier
    }
}

/// An array's elements.
struct Seq<'a, 'de> {
    de: &'a mut Deserializer<'de>,
    first: bool,
}

impl<'de> de::SeqAccess<'de> for Seq<'_, 'de> {
    type Error = Error;

    #[inline]
    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Error> {
        match self.de.peek()? {
            b']' => return Ok(None),
            b',' if !self.first => {
                self.de.reader.bump();
                if self.de.peek()? == b']' {
                    return Err(self.de.error(ErrorKind::ExpectedValue));
                }
            }
            _ if self.first => self.first = false,
            b'}' => return Err(self.de.error(ErrorKind::MismatchedBracket)),
            _ => return Err(self.de.error(ErrorKind::ExpectedCommaOrEnd)),
        }
        seed.deserialize(&mut *self.de).map(Some)
    }

    // serde's own `next_element` is not marked inline: overridden, so that an element's
    // read joins the loop of the visitor that asks for it.
    #[inline]
    fn next_element<T: de::Deserialize<'de>>(&mut self) -> Result<Option<T>, Error> {
        self.next_element_seed(std::marker::PhantomData)
    }
}

/// An object's members.
struct Map<'a, 'de> {
    de: &'a mut Deserializer<'de>,
    first: bool,
}

impl<'de> de::MapAccess<'de> for Map<'_, 'de> {
    type Error = Error;

    #[inline]
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Error> {
        match self.de.peek()? {
            b'}' => return Ok(None),
            b',' if !self.first => {
                self.de.reader.bump();
                if self.de.peek()? != b'"' {
                    return Err(self.de.error(ErrorKind::ExpectedKey));
                }
            }
            b'"' if self.first => self.first = false,
            _ if self.first => return Err(self.de.error(ErrorKind::ExpectedKey)),
            b']' => return Err(self.de.error(ErrorKind::MismatchedBracket)),
            _ => return Err(self.de.error(ErrorKind::ExpectedCommaOrEnd)),
        }
        seed.deserialize(self.de.key()?).map(Some)
    }

    #[inline]
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        seed.deserialize(&mut *self.de)
    }
}

/// An externally tagged enum's `{"Variant": value}`.
struct Enum<'a, 'de> {
    de: &'a mut Deserializer<'de>,
}

impl<'a, 'de> de::EnumAccess<'de> for Enum<'a, 'de> {
    type Error = Error;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self), Error> {
        if self.de.peek()? != b'"' {
            return Err(self.de.error(ErrorKind::ExpectedKey));
        }
        let v = seed.deserialize(self.de.key()?)?;
        Ok((v, self))
    }
}

impl<'de> de::VariantAccess<'de> for Enum<'_, 'de> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        de::Deserialize::deserialize(&mut *self.de)
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        seed.deserialize(&mut *self.de)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_seq(&mut *self.de, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(self, _fields: &'static [&'static str], visitor: V) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_map(&mut *self.de, visitor)
    }
}

/// An object key: a string, which integer types read as decimal (as serde_json does).
enum Key<'s, 'de> {
    Borrowed(&'de str),
    Decoded(&'s str),
}

impl<'s, 'de> Key<'s, 'de> {
    fn text(&self) -> &str {
        match self {
            Key::Borrowed(s) => s,
            Key::Decoded(s) => s,
        }
    }
}

impl Key<'_, '_> {
    /// The key as a number, when all of it is one by JSON's grammar (so `+5`, `05` or ` 5`
    /// are not).
    fn number(&self) -> Result<crate::Number<'_>, Error> {
        crate::read::parse_number(self.text().as_bytes())
            .ok_or_else(|| de::Error::custom(format_args!("expected a number as the key, found {:?}", self.text())))
    }

    fn parse<T: core::str::FromStr>(&self, what: &str, integer: bool) -> Result<T, Error> {
        let n = self.number()?;
        match n.as_str().parse() {
            Ok(v) if n.is_integer() || !integer => Ok(v),
            _ => Err(de::Error::custom(format_args!("expected {what} as the key, found {:?}", self.text()))),
        }
    }
}

/// Map keys read as the numbers or booleans they spell (JSON keys are strings).
macro_rules! parsed_keys {
    ($($method:ident => $visit:ident: $ty:ty, $what:literal, $integer:literal),*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            visitor.$visit(self.parse::<$ty>($what, $integer)?)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for Key<'_, 'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Key::Borrowed(s) => visitor.visit_borrowed_str(s),
            Key::Decoded(s) => visitor.visit_str(s),
        }
    }

    parsed_keys! {
        deserialize_i8 => visit_i8: i8, "an i8", true, deserialize_i16 => visit_i16: i16, "an i16", true,
        deserialize_i32 => visit_i32: i32, "an i32", true, deserialize_i64 => visit_i64: i64, "an i64", true,
        deserialize_i128 => visit_i128: i128, "an i128", true, deserialize_u8 => visit_u8: u8, "a u8", true,
        deserialize_u16 => visit_u16: u16, "a u16", true, deserialize_u32 => visit_u32: u32, "a u32", true,
        deserialize_u64 => visit_u64: u64, "a u64", true, deserialize_u128 => visit_u128: u128, "a u128", true,
        deserialize_f32 => visit_f32: f32, "an f32", false, deserialize_f64 => visit_f64: f64, "an f64", false
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.text() {
            "true" => visitor.visit_bool(true),
            "false" => visitor.visit_bool(false),
            other => Err(de::Error::custom(format_args!("expected a bool as the key, found {other:?}"))),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    forward_to_deserialize_any! {
        char str string bytes byte_buf option unit unit_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}
