//! Deserialization through the reader.

use ::serde::de::value::BorrowedStrDeserializer;
use ::serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};
use ::serde::forward_to_deserialize_any;

use super::Error;
use crate::error::ErrorKind;
use crate::read::{Reader, Str, Token};

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

/// [`from_slice`] for a `&str`.
pub fn from_str<'de, T: de::Deserialize<'de>>(input: &'de str) -> Result<T, Error> {
    from_slice(input.as_bytes())
}

/// A serde `Deserializer` over one document (see [`from_slice`]).
#[derive(Debug)]
pub struct Deserializer<'de> {
    reader: Reader<'de>,
    /// A token read ahead (by `deserialize_option` and `deserialize_enum`).
    peeked: Option<Token<'de>>,
    /// Where strings with escapes are decoded.
    scratch: String,
}

impl<'de> Deserializer<'de> {
    /// A deserializer of `input`.
    pub fn new(input: &'de [u8]) -> Deserializer<'de> {
        Deserializer { reader: Reader::new(input), peeked: None, scratch: String::new() }
    }

    fn next(&mut self) -> Result<Token<'de>, Error> {
        if let Some(t) = self.peeked.take() {
            return Ok(t);
        }
        match self.reader.next_token()? {
            Some(t) => Ok(t),
            None => Err(self.error(ErrorKind::UnexpectedEnd)),
        }
    }

    fn peek(&mut self) -> Result<Token<'de>, Error> {
        let t = self.next()?;
        self.peeked = Some(t);
        Ok(t)
    }

    fn error(&self, kind: ErrorKind) -> Error {
        let msg = match kind {
            ErrorKind::UnexpectedEnd => "unexpected end of input",
            _ => "unexpected token",
        };
        Error { kind: Some(kind), message: msg.into(), offset: Some(self.reader.offset()) }
    }

    /// Checks that nothing but whitespace follows the value.
    pub fn end(&mut self) -> Result<(), Error> {
        match self.peeked.take() {
            Some(_) => Err(self.error(ErrorKind::TrailingCharacters)),
            None => match self.reader.next_token()? {
                None => Ok(()),
                Some(_) => Err(self.error(ErrorKind::TrailingCharacters)),
            },
        }
    }

    /// Visits the value that starts with `token`.
    fn visit<V: Visitor<'de>>(&mut self, token: Token<'de>, visitor: V) -> Result<V::Value, Error> {
        match token {
            Token::Null => visitor.visit_unit(),
            Token::Bool(b) => visitor.visit_bool(b),
            Token::Number(n) => {
                if n.is_integer() {
                    if let Some(u) = n.as_u64() {
                        // `-0` reads as the float, as in serde_json.
                        if !(u == 0 && n.as_bytes().first() == Some(&b'-')) {
                            return visitor.visit_u64(u);
                        }
                    } else if let Some(i) = n.as_i64() {
                        return visitor.visit_i64(i);
                    }
                }
                visitor.visit_f64(n.as_f64())
            }
            Token::String(s) => match s.as_str() {
                Some(borrowed) => visitor.visit_borrowed_str(borrowed),
                None => visitor.visit_str(s.decode(&mut self.scratch)),
            },
            Token::StartArray => {
                let mut seq = Seq { de: self, done: false };
                let value = visitor.visit_seq(&mut seq)?;
                seq.finish()?;
                Ok(value)
            }
            Token::StartObject => {
                let mut map = Map { de: self, done: false };
                let value = visitor.visit_map(&mut map)?;
                map.finish()?;
                Ok(value)
            }
            Token::Key(_) | Token::EndArray | Token::EndObject => Err(self.error(ErrorKind::ExpectedValue)),
        }
    }

    /// Skips the rest of the container whose start was just read (for `IgnoredAny`).
    fn skip_to_end(&mut self) -> Result<(), Error> {
        let mut depth = 1u32;
        loop {
            match self.next()? {
                Token::StartArray | Token::StartObject => depth += 1,
                Token::EndArray | Token::EndObject => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(());
                    }
                }
                _ => {}
            }
        }
    }
}

impl<'de> de::Deserializer<'de> for &mut Deserializer<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let t = self.next()?;
        self.visit(t, visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.peek()? == Token::Null {
            self.peeked = None;
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
        match self.next()? {
            // A unit variant: `"Variant"`.
            Token::String(s) => match s.as_str() {
                Some(borrowed) => visitor.visit_enum(BorrowedStrDeserializer::new(borrowed)),
                None => visitor.visit_enum(s.decode(&mut self.scratch).into_deserializer()),
            },
            Token::StartObject => {
                let value = visitor.visit_enum(Enum { de: self })?;
                match self.next()? {
                    Token::EndObject => Ok(value),
                    _ => Err(self.error(ErrorKind::ExpectedCommaOrEnd)),
                }
            }
            _ => Err(de::Error::custom("expected an enum: a string or an object with one key")),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.peeked.take() {
            Some(Token::StartArray | Token::StartObject) => self.skip_to_end()?,
            Some(_) => {}
            None => self.reader.skip_value()?,
        }
        visitor.visit_unit()
    }

    fn deserialize_u128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.next()? {
            Token::Number(n) if n.is_integer() => match n.as_str().parse::<u128>() {
                Ok(v) => visitor.visit_u128(v),
                Err(_) => Err(de::Error::custom(format_args!("{} is not a u128", n.as_str()))),
            },
            t => self.visit(t, visitor),
        }
    }

    fn deserialize_i128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.next()? {
            Token::Number(n) if n.is_integer() => match n.as_str().parse::<i128>() {
                Ok(v) => visitor.visit_i128(v),
                Err(_) => Err(de::Error::custom(format_args!("{} is not an i128", n.as_str()))),
            },
            t => self.visit(t, visitor),
        }
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 u8 u16 u32 u64 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct identifier
    }
}

/// An array's elements.
struct Seq<'a, 'de> {
    de: &'a mut Deserializer<'de>,
    done: bool,
}

impl Seq<'_, '_> {
    /// After the visitor: the array must be over (a visitor that stops early, such as a
    /// tuple's, leaves more elements than the type has: refused, as serde_json does).
    fn finish(&mut self) -> Result<(), Error> {
        close(self.de, &mut self.done, Token::EndArray, "more elements in the array than the type has")
    }
}

/// Marks a container done, consuming its closing token `end` unless that was already seen;
/// anything else there is an error with `message`.
fn close(de: &mut Deserializer<'_>, done: &mut bool, end: Token<'_>, message: &str) -> Result<(), Error> {
    if !*done {
        *done = true;
        if de.next()? != end {
            return Err(de::Error::custom(message));
        }
    }
    Ok(())
}

impl<'de> de::SeqAccess<'de> for Seq<'_, 'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Error> {
        if self.done {
            return Ok(None);
        }
        if self.de.peek()? == Token::EndArray {
            self.de.peeked = None;
            self.done = true;
            return Ok(None);
        }
        seed.deserialize(&mut *self.de).map(Some)
    }
}

/// An object's members.
struct Map<'a, 'de> {
    de: &'a mut Deserializer<'de>,
    done: bool,
}

impl Map<'_, '_> {
    /// After the visitor: the object must be over (as for `Seq::finish`).
    fn finish(&mut self) -> Result<(), Error> {
        close(self.de, &mut self.done, Token::EndObject, "more members in the object than the type reads")
    }
}

impl<'de> de::MapAccess<'de> for Map<'_, 'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Error> {
        if self.done {
            return Ok(None);
        }
        match self.de.next()? {
            Token::EndObject => {
                self.done = true;
                Ok(None)
            }
            Token::Key(k) => {
                let key = Key::of(k, &mut self.de.scratch);
                seed.deserialize(key).map(Some)
            }
            _ => Err(self.de.error(ErrorKind::ExpectedKey)),
        }
    }

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
        match self.de.next()? {
            Token::Key(k) => {
                let key = Key::of(k, &mut self.de.scratch);
                let v = seed.deserialize(key)?;
                Ok((v, self))
            }
            _ => Err(self.de.error(ErrorKind::ExpectedKey)),
        }
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
    /// The key `k`, borrowed from the input unless it has escapes (then decoded into
    /// `scratch`).
    fn of(k: Str<'de>, scratch: &'s mut String) -> Key<'s, 'de>
    where
        'de: 's,
    {
        match k.as_str() {
            Some(borrowed) => Key::Borrowed(borrowed),
            None => Key::Decoded(k.decode(scratch)),
        }
    }

    fn text(&self) -> &str {
        match self {
            Key::Borrowed(s) => s,
            Key::Decoded(s) => s,
        }
    }
}

macro_rules! integer_keys {
    ($($method:ident => $visit:ident: $ty:ty),*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            match self.text().parse::<$ty>() {
                Ok(n) => visitor.$visit(n),
                Err(_) => Err(de::Error::custom(format_args!("expected an integer key, found {:?}", self.text()))),
            }
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

    integer_keys! {
        deserialize_i8 => visit_i8: i8, deserialize_i16 => visit_i16: i16, deserialize_i32 => visit_i32: i32,
        deserialize_i64 => visit_i64: i64, deserialize_u8 => visit_u8: u8, deserialize_u16 => visit_u16: u16,
        deserialize_u32 => visit_u32: u32, deserialize_u64 => visit_u64: u64
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    forward_to_deserialize_any! {
        bool i128 u128 f32 f64 char str string bytes byte_buf option unit unit_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}
