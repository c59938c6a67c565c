//! A struct's key schema, read from its serde definition: the type's `Deserialize` is driven
//! once by a probe that answers every request for a value with a placeholder and notes what was
//! asked for (a string, an integer of some width, a list, one of some words, a nested section).
//! The plan's struct is therefore the only place the plan's schema is written
//! ([`crate::plan_schema`]); the fast YAML path reads its key table from it, and tests hold the
//! Ansible argument_spec, the TypeScript types and the previewer's field list to it.

use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};
use serde::{Deserialize, Serialize};

/// What a field holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Kind {
    /// Text.
    String,
    /// A whole number from 0 to `max`.
    Integer {
        /// The largest value the field's type holds.
        max: u64,
    },
    /// One of a fixed set of words.
    Choice {
        /// The words, as the plan spells them.
        values: Vec<&'static str>,
    },
    /// A list.
    List {
        /// What each item holds.
        items: Box<Kind>,
    },
    /// A mapping whose keys are the user's (here: addresses), each to a value of one kind.
    Map {
        /// What each key maps to.
        values: Box<Kind>,
    },
    /// A nested mapping.
    Section {
        /// Its keys.
        fields: Vec<Field>,
    },
}

/// One key of the plan (or of a nested section).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Field {
    /// The key, e.g. `secondaries`.
    pub name: &'static str,
    /// What it holds.
    #[serde(flatten)]
    pub kind: Kind,
}

/// Every key of `T`, in its declaration order, read from its serde definition (empty for a
/// type that is not a struct of strings, integers, enums, lists and nested structs).
pub(crate) fn of<'de, T: Deserialize<'de>>() -> Vec<Field> {
    let mut kind = None;
    // The probe answers every request a plain struct makes, so its visitor does not fail.
    let _ = T::deserialize(Probe { kind: &mut kind });
    match kind {
        Some(Kind::Section { fields }) => fields,
        _ => Vec::new(),
    }
}

/// The field at a dotted key path (`ipv6.prefix`) of a schema.
pub(crate) fn find<'a>(mut fields: &'a [Field], path: &str) -> Option<&'a Field> {
    let mut found = None;
    for part in path.split('.') {
        let field = fields.iter().find(|field| field.name == part)?;
        fields = match &field.kind {
            Kind::Section { fields } => fields,
            _ => &[],
        };
        found = Some(field);
    }
    found
}

/// The probe's only failure: a request the plan's types never make.
#[derive(Debug)]
struct Unsupported(String);

impl std::fmt::Display for Unsupported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Unsupported {}

impl de::Error for Unsupported {
    fn custom<T: std::fmt::Display>(message: T) -> Self {
        Unsupported(message.to_string())
    }
}

/// A deserializer that records the kind of value asked of it and hands back a placeholder.
struct Probe<'a> {
    kind: &'a mut Option<Kind>,
}

macro_rules! integer {
    ($($method:ident => $ty:ty, $visit:ident;)+) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unsupported> {
                *self.kind = Some(Kind::Integer { max: <$ty>::MAX as u64 });
                visitor.$visit(0)
            }
        )+
    };
}

impl<'de> de::Deserializer<'de> for Probe<'_> {
    type Error = Unsupported;

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Unsupported> {
        Err(Unsupported("a self-describing value".into()))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unsupported> {
        visitor.visit_some(self)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unsupported> {
        *self.kind = Some(Kind::String);
        visitor.visit_str("")
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unsupported> {
        self.deserialize_str(visitor)
    }

    integer! {
        deserialize_u8 => u8, visit_u8;
        deserialize_u16 => u16, visit_u16;
        deserialize_u32 => u32, visit_u32;
        deserialize_u64 => u64, visit_u64;
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unsupported> {
        let mut items = None;
        let value = visitor.visit_seq(OneItem {
            kind: &mut items,
            done: false,
        })?;
        *self.kind = Some(Kind::List {
            items: Box::new(items.unwrap_or(Kind::String)),
        });
        Ok(value)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Unsupported> {
        let mut values = None;
        let value = visitor.visit_map(OneEntry {
            kind: &mut values,
            done: false,
        })?;
        *self.kind = Some(Kind::Map {
            values: Box::new(values.unwrap_or(Kind::String)),
        });
        Ok(value)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        names: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Unsupported> {
        let mut fields = Fields {
            names,
            at: 0,
            fields: Vec::with_capacity(names.len()),
        };
        let value = visitor.visit_map(&mut fields)?;
        *self.kind = Some(Kind::Section {
            fields: fields.fields,
        });
        Ok(value)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Unsupported> {
        *self.kind = Some(Kind::Choice {
            values: variants.to_vec(),
        });
        let first = variants.first().copied().unwrap_or_default();
        visitor.visit_enum(Variant(first))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u128 f32 f64 char bytes byte_buf unit unit_struct
        newtype_struct tuple tuple_struct identifier ignored_any
    }
}

/// A sequence of one probed item.
struct OneItem<'a> {
    kind: &'a mut Option<Kind>,
    done: bool,
}

impl<'de> de::SeqAccess<'de> for OneItem<'_> {
    type Error = Unsupported;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Unsupported> {
        if self.done {
            return Ok(None);
        }
        self.done = true;
        seed.deserialize(Probe { kind: self.kind }).map(Some)
    }
}

/// A mapping of one entry: a placeholder key and a probed value.
struct OneEntry<'a> {
    kind: &'a mut Option<Kind>,
    done: bool,
}

impl<'de> de::MapAccess<'de> for OneEntry<'_> {
    type Error = Unsupported;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Unsupported> {
        if self.done {
            return Ok(None);
        }
        self.done = true;
        seed.deserialize("key".into_deserializer()).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, Unsupported> {
        seed.deserialize(Probe { kind: self.kind })
    }
}

/// A struct's fields, each key followed by a probed value.
struct Fields {
    names: &'static [&'static str],
    at: usize,
    fields: Vec<Field>,
}

impl<'de> de::MapAccess<'de> for Fields {
    type Error = Unsupported;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Unsupported> {
        match self.names.get(self.at) {
            Some(name) => seed.deserialize((*name).into_deserializer()).map(Some),
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, Unsupported> {
        let name = self.names[self.at];
        self.at += 1;
        let mut kind = None;
        let value = seed.deserialize(Probe { kind: &mut kind })?;
        self.fields.push(Field {
            name,
            kind: kind.ok_or_else(|| Unsupported(format!("`{name}` asked for nothing")))?,
        });
        Ok(value)
    }
}

/// The first variant of an enum, as a unit variant.
struct Variant(&'static str);

impl<'de> de::EnumAccess<'de> for Variant {
    type Error = Unsupported;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Self), Unsupported> {
        let value = seed.deserialize(self.0.into_deserializer())?;
        Ok((value, self))
    }
}

impl<'de> de::VariantAccess<'de> for Variant {
    type Error = Unsupported;

    fn unit_variant(self) -> Result<(), Unsupported> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(
        self,
        _seed: T,
    ) -> Result<T::Value, Unsupported> {
        Err(Unsupported("a newtype variant".into()))
    }

    fn tuple_variant<V: Visitor<'de>>(
        self,
        _len: usize,
        _visitor: V,
    ) -> Result<V::Value, Unsupported> {
        Err(Unsupported("a tuple variant".into()))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Unsupported> {
        Err(Unsupported("a struct variant".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{plan_schema, schema_field as field};

    #[test]
    fn the_schema_is_the_structs() {
        let names: Vec<&str> = plan_schema().iter().map(|field| field.name).collect();
        assert_eq!(
            names,
            [
                "interface",
                "mac",
                "mode",
                "primary",
                "secondaries",
                "prefix",
                "netmask",
                "gateway",
                "dns",
                "ipv6",
                "connection",
                "cloud",
                "ifcfg_style",
                "route_table"
            ]
        );
        assert_eq!(
            field("prefix").map(|f| &f.kind),
            Some(&Kind::Integer { max: 255 })
        );
        assert_eq!(
            field("route_table").map(|f| &f.kind),
            Some(&Kind::Integer {
                max: u32::MAX as u64
            })
        );
        assert_eq!(
            field("mode").map(|f| &f.kind),
            Some(&Kind::Choice {
                values: vec!["static", "dhcp"]
            })
        );
        assert_eq!(
            field("cloud.provider").map(|f| &f.kind),
            Some(&Kind::Choice {
                values: vec!["aliyun", "aws", "azure"]
            })
        );
        assert_eq!(
            field("cloud.eni_state").map(|f| &f.kind),
            Some(&Kind::Choice {
                values: vec!["available", "in_use"]
            })
        );
        assert_eq!(
            field("ipv6.addresses").map(|f| &f.kind),
            Some(&Kind::List {
                items: Box::new(Kind::String)
            })
        );
        assert!(field("ipv6.nope").is_none());
        assert!(field("secondary").is_none());
    }
}
