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

const KEYS: [&str; 15] = [
    "type",
    "id",
    "first_name",
    "last_name",
    "full_name",
    "email",
    "phone",
    "address",
    "birthday",
    "gender",
    "created_at",
    "updated_at",
    "user_status",
    "membership_status",
    "membership_role",
];

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

// --- adversarial pages written as text (what `json!` cannot produce: escapes as sent, lone
// surrogates, repeated keys, invalid numbers, BOMs, truncation) ---------------------------

/// A raw JSON value text, valid or not.
fn raw_value() -> impl Strategy<Value = String> {
    let fixed: Vec<&'static str> = vec![
        r#""Ana""#,
        r#""\u00e9l\u00e8ve""#,
        r#""\ud83d\ude00""#,
        r#""\ud800""#,
        r#""x\udc00y""#,
        r#""a\/b""#,
        r#""\"q\" \\ \b\f\n\r\t""#,
        r#""é ü 日本""#,
        "null",
        "true",
        "false",
        "7",
        "7.0",
        "1e3",
        "-0",
        "-7",
        "0",
        r#""007""#,
        r#""0""#,
        r#""0000""#,
        "123456789012345678",
        r#""123456789012345""#,
        r#""1234567890123456""#,
        r#"{"a":[1,{"b":null}],"c":"\u0041"}"#,
        "[[[]]]",
        "[]",
        "{}",
        r#"["a"]"#,
        r#""2025-11-04T08:00:00+00:00""#,
        r#""2025-11-04T08:00:00.1Z""#,
        r#""2025-11-04T08:00:00.123456789Z""#,
        r#""2025-11-04T08:00:60Z""#,
        r#""2025-11-04T23:59:59.999Z""#,
        r#""2025-11-04 08:00:00Z""#,
        r#""2025-11-04t08:00:00z""#,
        r#""2024-02-29T23:59:59.999999+00:00""#,
        r#""2023-02-29T00:00:00Z""#,
        r#""2025-11-04T24:00:00Z""#,
        r#""2025-11-04T08:60:00Z""#,
        r#""2025-11-04T08:00:00.Z""#,
        r#""2025-11-04T08:00:00+01:00""#,
        r#""2025-11-04T08:00:00-00:00""#,
        r#""2025-11-04T08:00:00+0000""#,
        r#""0000-01-01T00:00:00Z""#,
        r#""9999-12-31T23:59:59.999Z""#,
        r#"" 2025-11-04T08:00:00Z""#,
        r#""2025-11-04T08:00:00Z ""#,
        r#""2025-11-04""#,
        r#""2025-11-04T08:00""#,
        r#""2025-11-04T08:00:00\u005A""#,
        r#""2025-13-04T08:00:00Z""#,
        r#"" a@b.org ""#,
        r#""a@b.org""#,
        r#""a@b\u002eorg""#,
        "\"\u{a0}a@b.org\"",
        "\"a@b.org\u{2003}\"",
        r#""""#,
        r#""   ""#,
        r#""null""#,
        r#"" NuLl ""#,
        r#""VERIFIED""#,
        r#""verified""#,
        r#""VERIFIED ""#,
        r#""ADMIN""#,
        r#""PENDING""#,
        r#""m""#,
        r#""F""#,
        r#""n""#,
        r#""M ""#,
        r#""X""#,
        r#""1990-01-02""#,
        r#""1990-1-2""#,
        r#""2023-02-29""#,
        r#""1990-01-02T00:00:00Z""#,
    ];
    let broken: Vec<&'static str> = vec![
        // not JSON at all
        "\"a\tb\"",
        r#""\x""#,
        r#""\u12G4""#,
        r#""\u+123""#,
        r#""\u12""#,
        "01",
        "1.",
        "1e",
        "-",
        ".5",
        "tru",
        "nul",
        r#""unterminated"#,
        "[1,]",
        r#"{"a":1,}"#,
        r#"{"a" 1}"#,
        "NaN",
        "+1",
        "1e400",
    ];
    prop_oneof![
        12 => prop::sample::select(fixed).prop_map(str::to_string),
        1 => prop::sample::select(broken).prop_map(str::to_string),
        3 => "[a-zA-Z0-9 @.é\\-]{0,10}".prop_map(|s| format!("\"{s}\"")),
        2 => (1i64..100_000).prop_map(|n| n.to_string()),
    ]
}

const CLEAN_FIELDS: [(&str, &str); 15] = [
    ("type", r#""user""#),
    ("id", "42"),
    ("first_name", r#""Ana""#),
    ("last_name", r#""Lima""#),
    ("full_name", r#""Ana Lima""#),
    ("email", r#""ana@x.org""#),
    ("phone", r#""(555) 012-0105""#),
    ("address", "null"),
    ("birthday", r#""1990-01-02""#),
    ("gender", r#""f""#),
    ("created_at", r#""2025-11-04T08:00:00+00:00""#),
    ("updated_at", r#""2025-11-05T08:00:00.000000Z""#),
    ("user_status", r#""VERIFIED""#),
    ("membership_status", r#""ACCEPTED""#),
    ("membership_role", r#""VOLUNTEER""#),
];

fn raw_key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(CLEAN_FIELDS.iter().map(|(k, _)| *k).collect::<Vec<_>>()).prop_map(|k| format!("\"{k}\"")),
        1 => prop::sample::select(vec![r#""i\u0064""#, r#""junk""#, r#""""#, r#""\u0000""#, r#""data""#, r#""Id""#, "id", r#""id"#])
            .prop_map(str::to_string),
    ]
}

#[derive(Debug, Clone)]
enum Edit {
    Set(usize, String),
    Remove(usize),
    Add(String, String),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        3 => (0..CLEAN_FIELDS.len(), raw_value()).prop_map(|(k, v)| Edit::Set(k, v)),
        1 => (0..CLEAN_FIELDS.len()).prop_map(Edit::Remove),
        1 => (raw_key(), raw_value()).prop_map(|(k, v)| Edit::Add(k, v)),
    ]
}

/// Whitespace JSON allows, and a few characters it does not.
fn gap() -> impl Strategy<Value = &'static str> {
    prop_oneof![16 => Just(""), 6 => Just(" "), 2 => Just("\n\t\r "), 1 => Just("\u{a0}"), 1 => Just("\u{b}")]
}

fn raw_user() -> impl Strategy<Value = String> {
    (prop::collection::vec(edit(), 0..4), gap(), 0u8..8).prop_map(|(edits, gap, shape)| {
        let mut fields: Vec<(String, String)> = CLEAN_FIELDS.iter().map(|(k, v)| (format!("\"{k}\""), v.to_string())).collect();
        for e in edits {
            match e {
                Edit::Set(k, v) => {
                    if let Some(f) = fields.get_mut(k) {
                        f.1 = v;
                    }
                }
                Edit::Remove(k) if k < fields.len() => {
                    fields.remove(k);
                }
                Edit::Remove(_) => {}
                Edit::Add(k, v) => fields.push((k, v)),
            }
        }
        let body: Vec<String> = fields.iter().map(|(k, v)| format!("{gap}{k}{gap}:{gap}{v}{gap}")).collect();
        match shape {
            0 => format!("[{}]", fields.iter().map(|(_, v)| v.as_str()).collect::<Vec<_>>().join(",")), // a user as an array
            _ => format!("{{{}}}", body.join(",")),
        }
    })
}

fn raw_page() -> impl Strategy<Value = String> {
    let links = prop::sample::select(vec![
        r#"{"first":"a","last":"b","prev":"null","next":null}"#,
        r#"{"next":"https://x/users?page=2"}"#,
        "{}",
        "null",
        "5",
        r#"{"next":"\ud800"}"#,
        r#"{"next":1e400}"#,
        r#"{"next":"a","next":"b"}"#,
        // read from their text when plain (src/parse/page_envelope.rs), else as values
        r#"{"first":"NULL","last":"","prev":" x ","next":"\u0061"}"#,
        r#"{"next":7}"#,
        r#"{"next":"a\"b"}"#,
        r#"{"n\u0065xt":"b","x":[{"y":1e5}]}"#,
        r#"{"x":{"y":[1,2.5,"\ud83d\ude00"]},"next":"é"}"#,
        "\"null\"",
        r#""""#,
        "[]",
        "{\"next\":\"\u{a0}x\"}",
        r#"{"prev":null,"next":"https://x/users?page=2","x":123456789012345678901234}"#,
        r#"{"next":"a","x":"\ud800"}"#,
        r#"{"x":[1e400],"next":"a"}"#,
    ]);
    let meta = prop::sample::select(vec![
        r#"{"current_page":"1","from":1,"to":2,"path":"p","per_page":15,"total":2}"#,
        r#"{"current_page":1,"per_page":"15","total":"2","last_page":"x"}"#,
        "null",
        "{}",
        r#"{"current_page":-1,"per_page":15,"total":2}"#,
        "[1]",
        r#"{"current_page":"007","per_page":15,"total":2,"path":"null"}"#,
        r#"{"current_page":1,"per_page":15,"total":2,"path":""}"#,
        r#"{"current_page":1,"per_page":15,"total":2,"path":" p "}"#,
        r#"{"current_page":1,"per_page":15,"total":2,"path":5}"#,
        r#"{"current_page":1,"per_page":15,"total":2,"from":null,"to":"","last_page":"NULL"}"#,
        r#"{"current_page":1,"per_page":15,"total":1e2}"#,
        r#"{"current_page":1,"per_page":15,"total":2.0}"#,
        r#"{"current_page":1,"per_page":15,"total":"-1"}"#,
        r#"{"current_page":1,"per_page":15,"total":" 2"}"#,
        r#"{"current_page":1,"per_page":15,"total":2,"links":[{"url":null,"label":"&laquo; Previous","active":false}],"path":"p"}"#,
        r#"{"current_page":1234567890123456,"per_page":15,"total":2}"#,
        r#"{"current_page":1,"per_page":15,"total":1,"total":2}"#,
        r#"{"current_page":1,"per_page":123456789012345678901234567890,"total":2}"#,
        r#"{"current_page":1,"per_page":15,"t\u006ftal":2,"total":3}"#,
        r#"{"current_page":1,"per_page":15,"total":2,"from":"x","to":-1,"last_page":1.5}"#,
        r#"{"current_page":null,"per_page":15,"total":2}"#,
        r#"{"current_page":1,"per_page":15,"total":2,"x":{"y":"\udc00"}}"#,
        r#"{"current_page":1,"per_page":15,"total":2,"x":[1e400]}"#,
        r#"{"current_page":1,"per_page":15,"total":2,"path":"a\"b","x":"\ud800"}"#,
        r#"{"current_page":1,"per_page":15,"total":2,"path":"p","path":"q"}"#,
    ]);
    let extra = prop::sample::select(vec![
        "",
        "",
        "",
        "",
        r#""x":[{"y":"\ud800"}],"#,
        r#""data2":{},"#,
        r#""d\u0061ta":[],"#,
        r#""data":[],"#,
        r#""meta":{},"#,
    ]);
    (prop::collection::vec(raw_user(), 0..5), links, meta, extra, gap(), 0u8..4, any::<prop::sample::Index>(), 0u8..12).prop_map(
        |(users, links, meta, extra, gap, order, cut, tail)| {
            let data = format!("\"data\"{gap}:{gap}[{gap}{}{gap}]", users.join(&format!("{gap},{gap}")));
            let (links, meta) = (format!("\"links\":{links}"), format!("\"meta\":{meta}"));
            let body = match order {
                0 => format!("{{{extra}{data},{links},{meta}}}"),
                1 => format!("{{{meta},{extra}{links},{data}}}"),
                2 => format!("{{{data},{meta}}}"),
                _ => format!("{{{links},{data},{meta},{extra}\"z\":null}}"),
            };
            let mut text = match tail {
                0 => format!("\u{feff}{body}"),
                1 => format!("\u{feff}\u{feff} {body}\n"),
                2 => format!("{body} x"),
                3 => format!("[{body}]"),
                _ => body,
            };
            if tail == 5 {
                let at = cut.index(text.len() + 1);
                let at = (0..=at).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
                text.truncate(at);
            }
            text
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10_000))]

    #[test]
    fn both_routes_agree_on_adversarial_text(text in raw_page()) {
        prop_assert_eq!(text_route(&text), model_route(&text));
    }
}

#[test]
fn adversarial_pages_that_are_still_read_agree() {
    // A page whose users need every kind of care, checked by hand once (the property test
    // above covers the combinations).
    let text = concat!(
        "\u{feff}{\"data\":[",
        r#"{"id":"007","first_name":"\u00c9l\u00e8ve","last_name":"\"Q\"","full_name":"\ud83d\ude00","email":"a@b.org","#,
        r#""created_at":"2025-11-04T08:00:00.1Z","updated_at":"2024-02-29T23:59:59.999999+00:00","gender":"n"},"#,
        r#"{"id":8,"first_name":"\ud800","last_name":"L","full_name":"F","email":"c@d.org","created_at":"2025-11-04T08:00:00Z","updated_at":"2025-11-04T08:00:00Z"},"#,
        r#"{"id":9,"id":10,"first_name":"A","last_name":"L","full_name":"F","email":"e@f.org","created_at":"2025-11-04T08:00:60Z","updated_at":"2025-11-04 08:00:00+01:00"}"#,
        r#"],"links":{},"meta":{"current_page":1,"per_page":15,"total":3}}"#
    );
    let model = model_route(text).unwrap();
    assert_eq!(text_route(text).unwrap(), model);
    assert_eq!(model["data"].as_array().unwrap().len(), 2, "the lone surrogate drops its user on both routes");
    assert_eq!(model["data"][0]["firstName"], "Élève");
    assert_eq!(model["data"][0]["createdAt"], "2025-11-04T08:00:00.100Z");
    assert_eq!(model["data"][1]["id"], 10);
}

// --- the byte route of the wasm façade (`user_page_parts_utf8`): the scanner checks UTF-8
// itself, so a page with a broken byte anywhere must still give from_utf8's error --------

fn bytes_route(bytes: &[u8]) -> Result<Value, String> {
    parse::user_page_parts_utf8(bytes)
        .and_then(|p| p.into_json())
        .map(|t| serde_json::from_str(&t).expect("the byte route writes valid JSON"))
        .map_err(|e| e.message)
}

/// What the byte route must give: from_utf8's error, or the model route's page.
fn expected_from_bytes(bytes: &[u8]) -> Result<Value, String> {
    match std::str::from_utf8(bytes) {
        Ok(text) => model_route(text),
        Err(e) => Err(format!("$: not UTF-8 ({e})")),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn the_byte_route_checks_utf8_like_from_utf8(cuts in prop::collection::vec((0usize..4000, prop_oneof![
        Just(0x80u8), Just(0xBF), Just(0xC0), Just(0xC3), Just(0xE2), Just(0xED), Just(0xF0), Just(0xF4), Just(0xF5), Just(0xFF), any::<u8>()]), 1..4),
                                                  name in "[a-zé日\u{1F600}]{0,6}") {
        let page = json!({"data": [clean_user(1), {"id": 2, "first_name": name, "last_name": "L", "full_name": "F L", "email": "e@f.org",
            "created_at": "2025-11-04T08:00:00Z", "updated_at": "2025-11-04T08:00:00Z"}],
            "links": {"next": format!("https://x/{name}")}, "meta": {"current_page": 1, "per_page": 15, "total": 2, "path": name}});
        let mut bytes = page.to_string().into_bytes();
        prop_assert_eq!(bytes_route(&bytes), expected_from_bytes(&bytes));
        for (at, b) in &cuts {
            let n = bytes.len();
            bytes[at % n] = *b;
        }
        prop_assert_eq!(bytes_route(&bytes), expected_from_bytes(&bytes));
    }
}

#[test]
fn broken_utf8_in_each_kind_of_string_is_refused() {
    let page = json!({"data": [clean_user(1)], "links": {"next": "https://x/é"}, "meta": {"current_page": 1, "per_page": 15, "total": 1, "path": "p"}});
    let text = page.to_string();
    let broken: [&[u8]; 8] = [b"\xff", b"\xc3", b"\xc0\x80", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe2\x82", b"\xf0\x9f\x98", b"\x80"];
    for needle in ["Ana", "first_name", "@x.org", "https://x/", "VOLUNTEER", "\"p\""] {
        let at = text.find(needle).unwrap() + 1;
        for b in broken {
            let bytes = [&text.as_bytes()[..at], b, &text.as_bytes()[at..]].concat();
            let got = bytes_route(&bytes);
            assert!(got.as_ref().is_err_and(|e| e.starts_with("$: not UTF-8")), "{needle} {b:?}: {got:?}");
            assert_eq!(got, expected_from_bytes(&bytes));
        }
    }
    assert_eq!(bytes_route(text.as_bytes()), model_route(&text));
}

// --- a page ten times the usual size (150 users, long strings) through the scanner ---------

#[test]
fn a_page_ten_times_the_usual_size_agrees() {
    let long = "x".repeat(600);
    let users: Vec<Value> = (1..=150)
        .map(|i| {
            let mut u = clean_user(i);
            u["full_name"] = json!(format!("{long} {i} é 日本 \u{1F600}"));
            u["address"] = json!(format!("{i} {long} Street, \"Quoted\" \\ Town\n"));
            u["email"] = json!(format!("user{i}.{}@example.org", "y".repeat(200)));
            if i % 7 == 0 {
                u["phone"] = json!("null"); // a warning: this user takes the model route
            }
            u
        })
        .collect();
    let page = json!({"data": users, "links": {"next": format!("https://x/users?page=2&q={long}")},
                      "meta": {"current_page": 1, "per_page": 150, "total": 1500, "path": long}});
    let text = page.to_string();
    assert!(text.len() > 10 * 5_900, "{} bytes", text.len()); // a corpus page is about 5.9 KB
    let (model, scanned) = (model_route(&text).unwrap(), text_route(&text).unwrap());
    assert_eq!(scanned, model);
    assert_eq!(bytes_route(text.as_bytes()).unwrap(), model);
    assert_eq!(model["data"].as_array().unwrap().len(), 150);
    assert_eq!(model["warnings"].as_array().unwrap().len(), 150 / 7);
}
