//! The text-to-text route of `parseUserPage` (`parse::user_page_json`) gives exactly what
//! the model route gives (`parse::user_page` then serialization), on arbitrary pages.
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use serde_json::{json, Value};
use vomo_users::parse;

fn model_route(text: &str) -> Result<Value, String> {
    parse::user_page(text).map(|p| serde_json::to_value(&p).unwrap()).map_err(|e| e.message)
}

fn text_route(text: &str) -> Result<Value, String> {
    parse::user_page_json(text).map(|t| serde_json::from_str(&t).expect("the text route writes valid JSON")).map_err(|e| e.message)
}

fn field() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        Just(json!("")),
        Just(json!("  ")),
        Just(json!("null")),
        Just(json!("NULL")),
        Just(json!("VERIFIED")),
        Just(json!("SUSPENDED")),
        Just(json!("m")),
        Just(json!(" M")),
        Just(json!("X")),
        Just(json!("1972-02-19")),
        Just(json!("2023-02-29")),
        Just(json!("2025-11-04T08:00:00+00:00")),
        Just(json!("2025-11-04T08:00:00.123456Z")),
        Just(json!("8205")),
        Just(json!("08205")),
        Just(json!(8205)),
        Just(json!(8205.0)),
        Just(json!(-3)),
        Just(json!(true)),
        Just(json!(["a"])),
        Just(json!({"x": 1})),
        Just(json!("é\"quoted\"\n")),
        Just(json!(" a@b.org ")),
        "[a-zA-Z0-9 @.\\-]{0,12}".prop_map(Value::String),
    ]
}

const KEYS: [&str; 15] = ["type", "id", "first_name", "last_name", "full_name", "email", "phone", "address",
    "birthday", "gender", "created_at", "updated_at", "user_status", "membership_status", "membership_role"];

fn clean_user(i: i64) -> Value {
    json!({"type":"user","id":i,"first_name":"Ana","last_name":"Lima","full_name":"Ana Lima","email":format!("a{i}@x.org"),
           "address":null,"phone":"(555) 012-0105","birthday":"1990-01-02","gender":"f",
           "created_at":"2025-11-04T08:00:00+00:00","updated_at":"2025-11-05T08:00:00.000000Z",
           "user_status":"VERIFIED","membership_status":"ACCEPTED","membership_role":"VOLUNTEER"})
}

fn user_strategy() -> impl Strategy<Value = Value> {
    (1i64..1000, prop::collection::vec((0usize..KEYS.len(), prop::option::of(field())), 0..4)).prop_map(|(i, edits)| {
        let mut u = clean_user(i);
        for (k, v) in edits {
            match v {
                Some(v) => u[KEYS[k]] = v,
                None => {
                    u.as_object_mut().unwrap().remove(KEYS[k]);
                }
            }
        }
        u
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn both_routes_agree_on_arbitrary_pages(users in prop::collection::vec(user_strategy(), 0..6),
                                            raw_item in prop::option::of(field())) {
        let mut data: Vec<Value> = users;
        if let Some(v) = raw_item {
            data.push(v);
        }
        let page = json!({"data": data, "links": {"first": "a", "last": "b", "prev": "null", "next": null},
                          "meta": {"current_page": "1", "from": 1, "to": 2, "path": "p", "per_page": 15, "total": 2}});
        let text = page.to_string();
        prop_assert_eq!(text_route(&text), model_route(&text));
    }

    #[test]
    fn both_routes_agree_on_mutated_bytes(cuts in prop::collection::vec((0usize..4000, any::<u8>()), 0..4)) {
        let page = json!({"data": [clean_user(1), clean_user(2)], "links": {}, "meta": {"current_page": 1, "per_page": 15, "total": 2}});
        let mut bytes = page.to_string().into_bytes();
        for (at, b) in &cuts {
            let n = bytes.len();
            bytes[at % n] = *b;
        }
        let text = String::from_utf8_lossy(&bytes);
        prop_assert_eq!(text_route(&text), model_route(&text));
    }
}

#[test]
fn clean_users_take_the_text_route_and_agree() {
    let page = json!({"data": [clean_user(1), clean_user(2)], "links": {}, "meta": {"current_page": 1, "per_page": 15, "total": 2}});
    let text = page.to_string();
    assert_eq!(text_route(&text), model_route(&text));
}
