//! Reading a JSON document with `serde_json` straight into the JSON tree, the keys of each
//! object kept in document order where that order is not already the sorted one (the
//! tree's own order, which [`super::Spec::keys_in_order`] falls back to). JSON is YAML, so
//! the YAML reader would give the same tree; this one is many times faster on the
//! megabytes of a large API's description.

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::KeyOrder;
use crate::pointer;

/// The tree and key order of a JSON text, or `None` when it is not plain JSON with unique
/// keys (the YAML reader then gives its verdict: it refuses duplicate keys, for one).
pub(super) fn read(text: &str) -> Option<(Value, KeyOrder)> {
    let mut state = State::default();
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value = Node { state: &mut state }
        .deserialize(&mut deserializer)
        .ok()?;
    deserializer.end().ok()?;
    (!state.duplicate).then_some((value, state.order))
}

#[derive(Default)]
struct State {
    /// The pointer of the node being read.
    path: String,
    order: KeyOrder,
    duplicate: bool,
}

/// Reads one node at `state.path`.
struct Node<'s> {
    state: &'s mut State,
}

impl<'de> DeserializeSeed<'de> for Node<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Node<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        loop {
            let len = self.state.path.len();
            self.state.path.push('/');
            self.state.path.push_str(&items.len().to_string());
            let item = seq.next_element_seed(Node {
                state: &mut *self.state,
            })?;
            self.state.path.truncate(len);
            match item {
                Some(item) => items.push(item),
                None => return Ok(Value::Array(items)),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut members: Vec<(String, Value)> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            let len = self.state.path.len();
            self.state.path.push('/');
            if key.contains(['~', '/']) {
                self.state.path.push_str(&pointer::escape(&key));
            } else {
                self.state.path.push_str(&key);
            }
            let value = map.next_value_seed(Node {
                state: &mut *self.state,
            })?;
            self.state.path.truncate(len);
            members.push((key, value));
        }
        if members.windows(2).any(|pair| pair[0].0 >= pair[1].0) {
            let keys = members.iter().map(|(k, _)| k.clone()).collect();
            self.state.order.insert(self.state.path.clone(), keys);
        }
        let count = members.len();
        let object: Map<String, Value> = members.into_iter().collect();
        if object.len() != count {
            self.state.duplicate = true;
        }
        Ok(Value::Object(object))
    }
}
