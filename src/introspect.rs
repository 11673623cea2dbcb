//! The field names of a struct that derives `Deserialize`, as serde sees them (renames applied,
//! in declaration order), so a list of known fields is never written next to the struct by hand.
//!
//! serde has no API for this; its derived code passes the list to `deserialize_struct`, which a
//! probe deserializer records and then refuses. (`serde-aux`'s `serde_introspect` does the same,
//! with more dependencies.)

use serde::de::{self, Deserialize, Deserializer, Visitor};

/// The fields of `T`, a struct deriving `Deserialize` without `#[serde(flatten)]` (empty for
/// anything else).
pub fn field_names<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    let mut fields: &'static [&'static str] = &[];
    // The probe always fails: the error only ends the derived code's run.
    let _ = T::deserialize(Probe(&mut fields));
    fields
}

struct Probe<'a>(&'a mut &'static [&'static str]);

impl<'de> Deserializer<'de> for Probe<'_> {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("not a struct"))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Self::Error> {
        *self.0 = fields;
        Err(de::Error::custom("fields recorded"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option
        unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::field_names;
    use serde::Deserialize;

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    #[allow(dead_code)]
    struct Example {
        first_field: u8,
        #[serde(rename = "other")]
        second: Option<String>,
        third: [f32; 2],
    }

    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Empty {}

    #[test]
    fn lists_the_fields_as_serde_names_them() {
        assert_eq!(field_names::<Example>(), ["firstField", "other", "third"]);
        assert!(field_names::<Empty>().is_empty());
        assert!(field_names::<u32>().is_empty(), "not a struct");
    }
}
