//! Serialization through the writer.

use ::serde::ser::{self, Serialize};

use super::Error;
use crate::write::Writer;

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
    let mut s = Serializer { w: Writer::new(&mut out) };
    value.serialize(&mut s)?;
    s.w.finish()?;
    Ok(out)
}

/// Serializes `value` as compact JSON into `writer` (built in memory, then written at once).
pub fn to_writer<W: std::io::Write, T: Serialize + ?Sized>(mut writer: W, value: &T) -> Result<(), Error> {
    let out = to_vec(value)?;
    writer.write_all(&out).map_err(|e| <Error as ser::Error>::custom(format_args!("write failed: {e}")))
}

/// A serde `Serializer` over a [`Writer`].
#[derive(Debug)]
pub struct Serializer<'o> {
    w: Writer<'o>,
}

impl<'o> Serializer<'o> {
    /// A serializer writing through `w`.
    pub fn new(w: Writer<'o>) -> Serializer<'o> {
        Serializer { w }
    }

    /// The writer back (to [`Writer::finish`] it).
    pub fn into_inner(self) -> Writer<'o> {
        self.w
    }
}

/// Integer methods that widen to the writer's `i64` or `u64`.
macro_rules! widen {
    ($($method:ident: $ty:ty => $wide:ident),*) => {$(
        fn $method(self, v: $ty) -> Result<(), Error> {
            Ok(self.w.$wide(<$wide>::from(v))?)
        }
    )*};
}

impl<'s, 'o> ser::Serializer for &'s mut Serializer<'o> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Self;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Self;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        Ok(self.w.bool(v)?)
    }
    widen! { serialize_i8: i8 => i64, serialize_i16: i16 => i64, serialize_i32: i32 => i64,
    serialize_i64: i64 => i64, serialize_u8: u8 => u64, serialize_u16: u16 => u64,
    serialize_u32: u32 => u64, serialize_u64: u64 => u64 }
    fn serialize_i128(self, v: i128) -> Result<(), Error> {
        Ok(self.w.number_text(&v.to_string())?)
    }
    fn serialize_u128(self, v: u128) -> Result<(), Error> {
        Ok(self.w.number_text(&v.to_string())?)
    }
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        // The shortest form of the f32 (not of its widened f64, which has more digits).
        if !v.is_finite() {
            return Ok(self.w.f64(f64::from(v))?);
        }
        let mut buf = zmij::Buffer::new();
        Ok(self.w.number_text(buf.format_finite(v))?)
    }
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        Ok(self.w.f64(v)?)
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        Ok(self.w.string(v.encode_utf8(&mut [0; 4]))?)
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        Ok(self.w.string(v)?)
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        // As serde_json: an array of numbers.
        self.w.start_array()?;
        for &b in v {
            self.w.u64(b.into())?;
        }
        Ok(self.w.end_array()?)
    }
    fn serialize_none(self) -> Result<(), Error> {
        Ok(self.w.null()?)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        Ok(self.w.null()?)
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        Ok(self.w.null()?)
    }
    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> Result<(), Error> {
        Ok(self.w.string(variant)?)
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
        self.w.start_object()?;
        self.w.key(variant)?;
        value.serialize(&mut *self)?;
        Ok(self.w.end_object()?)
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self, Error> {
        self.w.start_array()?;
        Ok(self)
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self, Error> {
        self.serialize_seq(None)
    }
    fn serialize_tuple_struct(self, _name: &'static str, _len: usize) -> Result<Self, Error> {
        self.serialize_seq(None)
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self, Error> {
        self.w.start_object()?;
        self.w.key(variant)?;
        self.w.start_array()?;
        Ok(self)
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self, Error> {
        self.w.start_object()?;
        Ok(self)
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Self, Error> {
        self.serialize_map(None)
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self, Error> {
        self.w.start_object()?;
        self.w.key(variant)?;
        self.w.start_object()?;
        Ok(self)
    }
}

/// The compound serializers that write the elements of one array.
macro_rules! array_of {
    ($($trait:ident :: $method:ident),*) => {$(
        impl ser::$trait for &mut Serializer<'_> {
            type Ok = ();
            type Error = Error;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
                value.serialize(&mut **self)
            }
            fn end(self) -> Result<(), Error> {
                Ok(self.w.end_array()?)
            }
        }
    )*};
}

array_of!(SerializeSeq::serialize_element, SerializeTuple::serialize_element, SerializeTupleStruct::serialize_field);

impl ser::SerializeTupleVariant for &mut Serializer<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        value.serialize(&mut **self)
    }
    fn end(self) -> Result<(), Error> {
        self.w.end_array()?;
        Ok(self.w.end_object()?)
    }
}

impl ser::SerializeMap for &mut Serializer<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        key.serialize(KeySerializer { w: &mut self.w })
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        value.serialize(&mut **self)
    }
    fn end(self) -> Result<(), Error> {
        Ok(self.w.end_object()?)
    }
}

impl ser::SerializeStruct for &mut Serializer<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), Error> {
        self.w.key(key)?;
        value.serialize(&mut **self)
    }
    fn end(self) -> Result<(), Error> {
        Ok(self.w.end_object()?)
    }
}

impl ser::SerializeStructVariant for &mut Serializer<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), Error> {
        self.w.key(key)?;
        value.serialize(&mut **self)
    }
    fn end(self) -> Result<(), Error> {
        self.w.end_object()?;
        Ok(self.w.end_object()?)
    }
}

/// A map key: strings as they are, integers and chars as their text (JSON keys are strings).
struct KeySerializer<'a, 'o> {
    w: &'a mut Writer<'o>,
}

fn key_error() -> Error {
    <Error as ser::Error>::custom("a map key must be a string, a char or an integer")
}

macro_rules! integer_key {
    ($($method:ident: $ty:ty),*) => {$(
        fn $method(self, v: $ty) -> Result<(), Error> {
            Ok(self.w.key(&v.to_string())?)
        }
    )*};
}

impl ser::Serializer for KeySerializer<'_, '_> {
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
        Ok(self.w.key(v)?)
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        Ok(self.w.key(v.encode_utf8(&mut [0; 4]))?)
    }
    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> Result<(), Error> {
        Ok(self.w.key(variant)?)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _name: &'static str, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    integer_key! { serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
    serialize_u8: u8, serialize_u16: u16, serialize_u32: u32, serialize_u64: u64 }

    fn serialize_bool(self, _v: bool) -> Result<(), Error> {
        Err(key_error())
    }
    fn serialize_f32(self, _v: f32) -> Result<(), Error> {
        Err(key_error())
    }
    fn serialize_f64(self, _v: f64) -> Result<(), Error> {
        Err(key_error())
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
