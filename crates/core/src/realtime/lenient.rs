//! Forgiving serde pieces for the message parser: a string field that is `None` when the
//! value has any other JSON type, and a `data` object that is empty when `data` is not an
//! object. Both borrow from the frame when they can, so parsing allocates little.

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::borrow::Cow;
use std::fmt;

/// A string if the JSON value was a string, otherwise `None` (never an error).
#[derive(Debug, Default)]
pub(crate) struct Lenient<'a>(pub Option<Cow<'a, str>>);

struct LenientVisitor<'a>(std::marker::PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for LenientVisitor<'a> {
    type Value = Lenient<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Lenient(Some(Cow::Borrowed(v))))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Lenient(Some(Cow::Owned(v.to_owned()))))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Lenient(Some(Cow::Owned(v))))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Lenient(None))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Lenient(None))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Lenient(None))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Lenient(None))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Lenient(None))
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Lenient(None))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Lenient(None))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Lenient(None))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Lenient<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(LenientVisitor(std::marker::PhantomData))
    }
}

/// The fields of `data` the parser reads; everything else is skipped without allocating.
#[derive(Debug, Default)]
pub(crate) struct LenientData<'a> {
    pub action: Lenient<'a>,
    pub id: Lenient<'a>,
    pub project_camel: Lenient<'a>,
    pub project_snake: Lenient<'a>,
    pub resource: Lenient<'a>,
    pub reason: Lenient<'a>,
    pub content: Lenient<'a>,
    pub name: Lenient<'a>,
    pub description: Lenient<'a>,
    pub user_id: Lenient<'a>,
}

enum DataKey {
    Action,
    Id,
    ProjectCamel,
    ProjectSnake,
    Resource,
    Reason,
    Content,
    Name,
    Description,
    UserId,
    Ignored,
}

struct DataKeyVisitor;

impl Visitor<'_> for DataKeyVisitor {
    type Value = DataKey;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<DataKey, E> {
        Ok(match v {
            "action" => DataKey::Action,
            "id" => DataKey::Id,
            "projectId" => DataKey::ProjectCamel,
            "project_id" => DataKey::ProjectSnake,
            "resource" => DataKey::Resource,
            "reason" => DataKey::Reason,
            "content" => DataKey::Content,
            "name" => DataKey::Name,
            "description" => DataKey::Description,
            "userId" => DataKey::UserId,
            _ => DataKey::Ignored,
        })
    }
}

impl<'de> Deserialize<'de> for DataKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_identifier(DataKeyVisitor)
    }
}

struct DataVisitor<'a>(std::marker::PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for DataVisitor<'a> {
    type Value = LenientData<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut data = LenientData::default();
        while let Some(key) = map.next_key::<DataKey>()? {
            // A repeated key keeps its last value, as Go's decoder and serde_json's Value do.
            let slot = match key {
                DataKey::Action => &mut data.action,
                DataKey::Id => &mut data.id,
                DataKey::ProjectCamel => &mut data.project_camel,
                DataKey::ProjectSnake => &mut data.project_snake,
                DataKey::Resource => &mut data.resource,
                DataKey::Reason => &mut data.reason,
                DataKey::Content => &mut data.content,
                DataKey::Name => &mut data.name,
                DataKey::Description => &mut data.description,
                DataKey::UserId => &mut data.user_id,
                DataKey::Ignored => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            *slot = map.next_value::<Lenient<'a>>()?;
        }
        Ok(data)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(LenientData::default())
    }

    fn visit_borrowed_str<E: de::Error>(self, _: &'de str) -> Result<Self::Value, E> {
        Ok(LenientData::default())
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(LenientData::default())
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(LenientData::default())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(LenientData::default())
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(LenientData::default())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(LenientData::default())
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(LenientData::default())
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(LenientData::default())
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for LenientData<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(DataVisitor(std::marker::PhantomData))
    }
}
