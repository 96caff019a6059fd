//! Reading one value of a TOML document by its dotted path (tables by key,
//! arrays by index), so that errors carry toml's own span of the offending
//! value in the text. The scenario loader and the reward schemes' checks
//! use it to locate errors in tables they keep as plain values.

use std::fmt;

/// Deserialises the value at a dotted `path` of the TOML document `text`
/// (None when the path is absent), so that errors carry toml's own span of
/// the offending value in `text`.
pub fn at_path<T: serde::de::DeserializeOwned>(
    text: &str,
    path: &[&str],
) -> Result<Option<T>, toml::de::Error> {
    use serde::de::DeserializeSeed;
    AtPath::<T> {
        path,
        wanted: std::marker::PhantomData,
    }
    .deserialize(toml::Deserializer::new(text))
}

struct AtPath<'p, T> {
    path: &'p [&'p str],
    wanted: std::marker::PhantomData<T>,
}

impl<'de, T: serde::de::DeserializeOwned> serde::de::DeserializeSeed<'de> for AtPath<'_, T> {
    type Value = Option<T>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Option<T>, D::Error> {
        if self.path.is_empty() {
            return T::deserialize(d).map(Some);
        }
        d.deserialize_any(self)
    }
}

impl<'de, T: serde::de::DeserializeOwned> serde::de::Visitor<'de> for AtPath<'_, T> {
    type Value = Option<T>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a table containing `{}`", self.path.join("."))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Option<T>, A::Error> {
        let mut found = None;
        while let Some(key) = map.next_key::<String>()? {
            if Some(&key.as_str()) == self.path.first() {
                found = map.next_value_seed(AtPath::<T> {
                    path: &self.path[1..],
                    wanted: std::marker::PhantomData,
                })?;
            } else {
                map.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        Ok(found)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Option<T>, A::Error> {
        let wanted = self.path.first().and_then(|s| s.parse::<usize>().ok());
        let mut found = None;
        let mut index = 0;
        loop {
            if Some(index) == wanted {
                match seq.next_element_seed(AtPath::<T> {
                    path: &self.path[1..],
                    wanted: std::marker::PhantomData,
                })? {
                    Some(value) => found = value,
                    None => break,
                }
            } else if seq.next_element::<serde::de::IgnoredAny>()?.is_none() {
                break;
            }
            index += 1;
        }
        Ok(found)
    }
}
