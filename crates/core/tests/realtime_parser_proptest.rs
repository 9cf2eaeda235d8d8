//! The parser never panics, whatever the server sends.

use devhive_core::realtime::parse;
use proptest::prelude::*;

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(serde_json::Value::from),
        prop_oneof![
            Just("cache_invalidate".to_owned()),
            Just("reconnect".to_owned()),
            Just("pong".to_owned()),
            Just("tasks".to_owned()),
            Just("project_members".to_owned()),
            ".*"
        ]
        .prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        let keys = prop_oneof![
            Just("type".to_owned()),
            Just("action".to_owned()),
            Just("data".to_owned()),
            Just("projectId".to_owned()),
            Just("project_id".to_owned()),
            Just("resource".to_owned()),
            Just("id".to_owned()),
            Just("userId".to_owned()),
            "[a-z_]{0,8}"
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
            prop::collection::btree_map(keys, inner, 0..8)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic_the_parser(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse(&bytes);
    }

    #[test]
    fn arbitrary_json_never_panics_the_parser(value in json_value()) {
        let text = value.to_string();
        let _ = parse(text.as_bytes());
    }
}
