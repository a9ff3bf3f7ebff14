//! Serialization through the writer.

use ::serde::ser::{self, Serialize};

use super::Error;
use crate::error::ErrorKind;
use crate::write::{number, write_string};

/// Serializes `value` as compact JSON.
///
/// ```
/// #[derive(serde::Serialize)]
/// enum Shape {
///     Dot,
///     Circle { r: f64 },
/// }
///
/// let out = dext_json::serde::to_vec(&vec![Shape::Dot, Shape::Circle { r: 1.5 }])?;
/// assert_eq!(out, br#"["Dot",{"Circle":{"r":1.5}}]"#);
/// # Ok::<(), dext_json::serde::Error>(())
/// ```
pub fn to_vec<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, Error> {
    let mut out = Vec::with_capacity(128);
    value.serialize(&mut Serializer::new(&mut out))?;
    Ok(out)
}

/// Serializes `value` as indented JSON (two spaces per level, `": "` after keys), as
/// `serde_json::to_vec_pretty` does.
pub fn to_vec_pretty<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, Error> {
    let mut out = Vec::with_capacity(128);
    value.serialize(&mut Serializer::new(&mut out).pretty("  "))?;
    Ok(out)
}

/// Serializes `value` as compact JSON into `writer` (built in memory, then written at once).
pub fn to_writer<W: std::io::Write, T: Serialize + ?Sized>(mut writer: W, value: &T) -> Result<(), Error> {
    let out = to_vec(value)?;
    writer.write_all(&out).map_err(|e| <Error as ser::Error>::custom(format_args!("write failed: {e}")))
}

/// A serde `Serializer` appending one value's JSON to a `Vec<u8>`.
///
/// It writes bytes directly, without the [`Writer`](crate::Writer)'s checks of the call
/// order: serde's traits already fix that order (a struct's fields come as key and value in
/// one call, a sequence's elements one by one), except for a map's separate `serialize_key`
/// and `serialize_value`, whose alternation is checked. NaN and infinities are refused, and
/// map keys must be strings, chars or integers, as in serde_json; the output is serde_json's,
/// byte for byte.
#[derive(Debug)]
pub struct Serializer<'o, const PRETTY: bool = false> {
    out: &'o mut Vec<u8>,
    /// The indentation unit (pretty output only).
    indent: &'static str,
    /// Open arrays and objects (for the indentation).
    depth: u32,
}

impl<'o> Serializer<'o> {
    /// A serializer appending compact JSON to `out`.
    pub fn new(out: &'o mut Vec<u8>) -> Serializer<'o> {
        Serializer { out, indent: "", depth: 0 }
    }

    /// Indents the output by `indent` per level (for example `"  "`).
    pub fn pretty(self, indent: &'static str) -> Serializer<'o, true> {
        Serializer { out: self.out, indent, depth: self.depth }
    }
}

impl<'o, const PRETTY: bool> Serializer<'o, PRETTY> {
    /// A newline and the current depth's indentation (pretty output only).
    #[inline]
    fn newline(&mut self) {
        if PRETTY {
            self.out.push(b'\n');
            for _ in 0..self.depth {
                self.out.extend_from_slice(self.indent.as_bytes());
            }
        }
    }

    /// Opens an array or object with `bracket`.
    #[inline]
    fn open(&mut self, bracket: u8) -> Compound<'_, 'o, PRETTY> {
        self.out.push(bracket);
        self.depth += 1;
        Compound { ser: self, first: true, value_due: false }
    }

    /// A member's key (escaped) and its colon.
    #[inline]
    fn key(&mut self, key: &str) {
        write_string(self.out, key);
        self.out.push(b':');
        if PRETTY {
            self.out.push(b' ');
        }
    }

    /// `{"variant":` as the start of an externally tagged enum's value.
    fn open_variant(&mut self, variant: &str) {
        self.out.push(b'{');
        self.depth += 1;
        self.newline();
        self.key(variant);
    }

    /// The `}` that closes `open_variant`.
    fn close_variant(&mut self) {
        self.depth -= 1;
        self.newline();
        self.out.push(b'}');
    }
}

/// The elements of an array or the members of an object being written.
#[derive(Debug)]
pub struct Compound<'s, 'o, const PRETTY: bool = false> {
    ser: &'s mut Serializer<'o, PRETTY>,
    /// Nothing written in it yet.
    first: bool,
    /// A map key was written, its value not yet.
    value_due: bool,
}

impl<'s, 'o, const PRETTY: bool> Compound<'s, 'o, PRETTY> {
    /// The separator before an element or member.
    #[inline]
    fn next(&mut self) {
        if !self.first {
            self.ser.out.push(b',');
        }
        self.first = false;
        self.ser.newline();
    }

    /// Closes with `bracket`; the serializer back (for a variant's closing `}`).
    #[inline]
    fn close(self, bracket: u8) -> &'s mut Serializer<'o, PRETTY> {
        self.ser.depth -= 1;
        if !self.first {
            self.ser.newline();
        }
        self.ser.out.push(bracket);
        self.ser
    }
}

/// Integer methods.
macro_rules! integers {
    ($($method:ident: $ty:ty => $write:ident as $wide:ty),*) => {$(
        #[inline]
        fn $method(self, v: $ty) -> Result<(), Error> {
            number::$write(self.out, <$wide>::from(v));
            Ok(())
        }
    )*};
}

impl<'s, 'o, const PRETTY: bool> ser::Serializer for &'s mut Serializer<'o, PRETTY> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'s, 'o, PRETTY>;
    type SerializeTuple = Compound<'s, 'o, PRETTY>;
    type SerializeTupleStruct = Compound<'s, 'o, PRETTY>;
    type SerializeTupleVariant = Compound<'s, 'o, PRETTY>;
    type SerializeMap = Compound<'s, 'o, PRETTY>;
    type SerializeStruct = Compound<'s, 'o, PRETTY>;
    type SerializeStructVariant = Compound<'s, 'o, PRETTY>;

    #[inline]
    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.out.extend_from_slice(if v { b"true" } else { b"false" });
        Ok(())
    }
    integers! { serialize_i8: i8 => write_i64 as i64, serialize_i16: i16 => write_i64 as i64,
    serialize_i32: i32 => write_i64 as i64, serialize_i64: i64 => write_i64 as i64,
    serialize_u8: u8 => write_u64 as u64, serialize_u16: u16 => write_u64 as u64,
    serialize_u32: u32 => write_u64 as u64, serialize_u64: u64 => write_u64 as u64 }
    fn serialize_i128(self, v: i128) -> Result<(), Error> {
        self.out.extend_from_slice(v.to_string().as_bytes());
        Ok(())
    }
    fn serialize_u128(self, v: u128) -> Result<(), Error> {
        self.out.extend_from_slice(v.to_string().as_bytes());
        Ok(())
    }
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        if !v.is_finite() {
            return Err(non_finite(self.out));
        }
        // The shortest form of the f32 (not of its widened f64, which has more digits).
        let mut buf = zmij::Buffer::new();
        self.out.extend_from_slice(buf.format_finite(v).as_bytes());
        Ok(())
    }
    #[inline]
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        if !v.is_finite() {
            return Err(non_finite(self.out));
        }
        number::write_f64(self.out, v);
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        write_string(self.out, v.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    #[inline]
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        write_string(self.out, v);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        // As serde_json: an array of numbers.
        let mut seq = self.open(b'[');
        for &b in v {
            seq.next();
            number::write_u64(seq.ser.out, b.into());
        }
        seq.close(b']');
        Ok(())
    }
    #[inline]
    fn serialize_none(self) -> Result<(), Error> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }
    #[inline]
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.serialize_none()
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        self.serialize_none()
    }
    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> Result<(), Error> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _name: &'static str, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.open_variant(variant);
        value.serialize(&mut *self)?;
        self.close_variant();
        Ok(())
    }
    #[inline]
    fn serialize_seq(self, _len: Option<usize>) -> Result<Compound<'s, 'o, PRETTY>, Error> {
        Ok(self.open(b'['))
    }
    fn serialize_tuple(self, _len: usize) -> Result<Compound<'s, 'o, PRETTY>, Error> {
        Ok(self.open(b'['))
    }
    fn serialize_tuple_struct(self, _name: &'static str, _len: usize) -> Result<Compound<'s, 'o, PRETTY>, Error> {
        Ok(self.open(b'['))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'s, 'o, PRETTY>, Error> {
        self.open_variant(variant);
        Ok(self.open(b'['))
    }
    #[inline]
    fn serialize_map(self, _len: Option<usize>) -> Result<Compound<'s, 'o, PRETTY>, Error> {
        Ok(self.open(b'{'))
    }
    #[inline]
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Compound<'s, 'o, PRETTY>, Error> {
        Ok(self.open(b'{'))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'s, 'o, PRETTY>, Error> {
        self.open_variant(variant);
        Ok(self.open(b'{'))
    }
}

/// The error for NaN or an infinity, which JSON cannot hold.
#[cold]
fn non_finite(out: &[u8]) -> Error {
    crate::Error::at(ErrorKind::NonFiniteNumber, out, out.len()).into()
}

/// The compound serializers that write the elements of one array.
macro_rules! array_of {
    ($($trait:ident :: $method:ident),*) => {$(
        impl<const PRETTY: bool> ser::$trait for Compound<'_, '_, PRETTY> {
            type Ok = ();
            type Error = Error;
            #[inline]
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
                self.next();
                value.serialize(&mut *self.ser)
            }
            #[inline]
            fn end(self) -> Result<(), Error> {
                self.close(b']');
                Ok(())
            }
        }
    )*};
}

array_of!(SerializeSeq::serialize_element, SerializeTuple::serialize_element, SerializeTupleStruct::serialize_field);

impl<const PRETTY: bool> ser::SerializeTupleVariant for Compound<'_, '_, PRETTY> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.next();
        value.serialize(&mut *self.ser)
    }
    fn end(self) -> Result<(), Error> {
        self.close(b']').close_variant();
        Ok(())
    }
}

impl<const PRETTY: bool> ser::SerializeMap for Compound<'_, '_, PRETTY> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        if self.value_due {
            return Err(ser::Error::custom("a map key where its value was due"));
        }
        self.next();
        key.serialize(KeySerializer { ser: &mut *self.ser })?;
        self.value_due = true;
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        if !self.value_due {
            return Err(ser::Error::custom("a map value without its key"));
        }
        self.value_due = false;
        value.serialize(&mut *self.ser)
    }
    fn end(self) -> Result<(), Error> {
        if self.value_due {
            return Err(ser::Error::custom("a map key without its value"));
        }
        self.close(b'}');
        Ok(())
    }
}

impl<const PRETTY: bool> ser::SerializeStruct for Compound<'_, '_, PRETTY> {
    type Ok = ();
    type Error = Error;
    #[inline]
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), Error> {
        self.next();
        self.ser.key(key);
        value.serialize(&mut *self.ser)
    }
    #[inline]
    fn end(self) -> Result<(), Error> {
        self.close(b'}');
        Ok(())
    }
}

impl<const PRETTY: bool> ser::SerializeStructVariant for Compound<'_, '_, PRETTY> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), Error> {
        self.next();
        self.ser.key(key);
        value.serialize(&mut *self.ser)
    }
    fn end(self) -> Result<(), Error> {
        self.close(b'}').close_variant();
        Ok(())
    }
}

/// A map key: strings as they are, numbers, chars and bools as their text (JSON keys are
/// strings), as serde_json writes them.
struct KeySerializer<'a, 'o, const PRETTY: bool> {
    ser: &'a mut Serializer<'o, PRETTY>,
}

fn key_error() -> Error {
    <Error as ser::Error>::custom("a map key must be a string, a char, a number or a bool")
}

macro_rules! integer_key {
    ($($method:ident: $ty:ty),*) => {$(
        fn $method(self, v: $ty) -> Result<(), Error> {
            self.ser.key(&v.to_string());
            Ok(())
        }
    )*};
}

impl<const PRETTY: bool> ser::Serializer for KeySerializer<'_, '_, PRETTY> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = ser::Impossible<(), Error>;
    type SerializeTuple = ser::Impossible<(), Error>;
    type SerializeTupleStruct = ser::Impossible<(), Error>;
    type SerializeTupleVariant = ser::Impossible<(), Error>;
    type SerializeMap = ser::Impossible<(), Error>;
    type SerializeStruct = ser::Impossible<(), Error>;
    type SerializeStructVariant = ser::Impossible<(), Error>;

    fn serialize_str(self, v: &str) -> Result<(), Error> {
        self.ser.key(v);
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.ser.key(v.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> Result<(), Error> {
        self.ser.key(variant);
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _name: &'static str, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    integer_key! { serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
    serialize_i128: i128, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32, serialize_u64: u64,
    serialize_u128: u128 }
    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.ser.key(if v { "true" } else { "false" });
        Ok(())
    }
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        if !v.is_finite() {
            return Err(non_finite(self.ser.out));
        }
        self.ser.key(zmij::Buffer::new().format_finite(v));
        Ok(())
    }
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        if !v.is_finite() {
            return Err(non_finite(self.ser.out));
        }
        self.ser.key(zmij::Buffer::new().format_finite(v));
        Ok(())
    }

    fn serialize_bytes(self, _v: &[u8]) -> Result<(), Error> {
        Err(key_error())
    }
    fn serialize_none(self) -> Result<(), Error> {
        Err(key_error())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _value: &T) -> Result<(), Error> {
        Err(key_error())
    }
    fn serialize_unit(self) -> Result<(), Error> {
        Err(key_error())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        Err(key_error())
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<(), Error> {
        Err(key_error())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        Err(key_error())
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, Error> {
        Err(key_error())
    }
    fn serialize_tuple_struct(self, _name: &'static str, _len: usize) -> Result<Self::SerializeTupleStruct, Error> {
        Err(key_error())
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(key_error())
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Err(key_error())
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Self::SerializeStruct, Error> {
        Err(key_error())
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(key_error())
    }
}
