//! Property tests: arbitrary and mutated payloads never panic the parsers, and every
//! successful parse satisfies the invariants of API.md.
// Native only: proptest does not build for wasm32 (wasm-pack test compiles every test target).
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use serde_json::{json, Value};
use vomo_users::parse;

const UPSERT_EXAMPLE: &str = include_str!("fixtures/upsert_200_doc_example.json");
const LIST_EXAMPLE: &str = include_str!("fixtures/list_page_spec_example.json");

const USER_KEYS: [&str; 14] = [
    "id",
    "firstName",
    "lastName",
    "fullName",
    "email",
    "phone",
    "address",
    "birthday",
    "gender",
    "createdAt",
    "updatedAt",
    "userStatus",
    "membershipStatus",
    "membershipRole",
];
const PARTICIPATION_KEYS: [&str; 9] =
    ["projectId", "projectDateId", "guests", "signedUpAt", "checkedInAt", "checkedOutAt", "hours", "verified", "role"];

fn is_normalized_timestamp(v: &Value) -> bool {
    let Some(s) = v.as_str() else { return false };
    let b = s.as_bytes();
    b.len() == 24
        && b[10] == b'T'
        && b[19] == b'.'
        && b[23] == b'Z'
        && vomo_users::time::Timestamp::parse(s).map(|t| t.to_string()) == Some(s.to_string())
}

fn check_user(u: &Value) {
    let o = u.as_object().expect("user is an object");
    for k in USER_KEYS {
        assert!(o.contains_key(k), "key {k} missing (undefined) in {u}");
    }
    assert!(u["id"].as_i64().is_some_and(|id| id > 0), "id {}", u["id"]);
    assert!(is_normalized_timestamp(&u["createdAt"]) && is_normalized_timestamp(&u["updatedAt"]));
    for k in ["phone", "address", "birthday", "gender", "userStatus", "membershipStatus", "membershipRole"] {
        assert_ne!(u[k], json!(""), "{k} is never the empty string");
    }
    if !u["gender"].is_null() {
        assert!(["M", "F", "N"].contains(&u["gender"].as_str().unwrap()));
    }
}

fn check_participation(p: &Value) {
    for k in PARTICIPATION_KEYS {
        assert!(p.as_object().unwrap().contains_key(k), "participation key {k} missing");
    }
    let h = p["hours"].as_f64().expect("hours is a number");
    assert!(h.is_finite() && h >= 0.0);
    for k in ["signedUpAt", "checkedInAt", "checkedOutAt"] {
        assert!(p[k].is_null() || is_normalized_timestamp(&p[k]));
    }
    for k in ["projectId", "projectDateId"] {
        assert!(p[k].is_null() || p[k].is_i64());
    }
}

fn check_any(text: &str) {
    if let Ok(page) = parse::user_page(text) {
        let v = serde_json::to_value(&page).unwrap();
        v["data"].as_array().unwrap().iter().for_each(check_user);
    }
    if let Ok(detail) = parse::user_detail(text) {
        let v = serde_json::to_value(&detail).unwrap();
        check_user(&v);
        v["participations"].as_array().unwrap().iter().for_each(check_participation);
    }
    let _ = parse::user_object(text);
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        "[0-9a-zA-Z .:+-]{0,30}".prop_map(Value::String),
        prop_oneof![Just("null"), Just("4.00"), Just("2025-11-04T08:00:00+00:00"), Just("-1"), Just("8205")]
            .prop_map(|s| Value::String(s.into())),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("data".to_string()),
                    Just("id".to_string()),
                    Just("email".to_string()),
                    Just("meta".to_string()),
                    Just("hours".to_string()),
                    Just("participations".to_string()),
                    Just("created_at".to_string()),
                    Just("updated_at".to_string()),
                    "[a-z_]{1,12}"
                ],
                inner,
                0..8
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Replaces the value of one key anywhere in a document with an arbitrary one.
fn replace_key(v: &mut Value, target: usize, counter: &mut usize, with: &Value) {
    match v {
        Value::Object(map) => {
            for (_, child) in map.iter_mut() {
                if *counter == target {
                    *child = with.clone();
                }
                *counter += 1;
                replace_key(child, target, counter, with);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|c| replace_key(c, target, counter, with)),
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_json_never_panics(v in arb_json()) {
        check_any(&v.to_string());
        check_any(&json!({"data": v.clone(), "links": {}, "meta": {"current_page":1,"per_page":15,"total":1}}).to_string());
        check_any(&json!({"data": [v]}).to_string());
    }

    #[test]
    fn documented_payloads_with_one_value_replaced_keep_the_invariants(
        which in 0usize..60, with in arb_json(), upsert in any::<bool>()
    ) {
        let mut doc: Value = serde_json::from_str(if upsert { UPSERT_EXAMPLE } else { LIST_EXAMPLE }).unwrap();
        replace_key(&mut doc, which, &mut 0, &with);
        check_any(&doc.to_string());
    }

    #[test]
    fn byte_mutations_of_documented_payloads_never_panic(
        cuts in prop::collection::vec((0usize..2000, any::<u8>()), 1..6)
    ) {
        for base in [UPSERT_EXAMPLE, LIST_EXAMPLE] {
            let mut bytes = base.as_bytes().to_vec();
            for (at, byte) in &cuts {
                let i = at % bytes.len();
                bytes[i] = *byte;
            }
            check_any(&String::from_utf8_lossy(&bytes));
            check_any(&base[..cuts[0].0 % base.len()]);
        }
    }

    /// An id as a number and as its digits in a string parse alike, across JavaScript's safe
    /// integers (16-digit ids were refused as strings); past 2^53 both are `parse`, on both
    /// the page's fast route and the model route.
    #[test]
    fn an_id_as_a_number_or_as_a_string_parses_alike(id in prop_oneof![1i64..1_000, 1i64..=9_007_199_254_740_991, 999_999_999_999_999i64..=9_007_199_254_740_999]) {
        let user = |id: Value| json!({"id": id, "email": "a@example.org", "first_name": "A", "last_name": "B",
            "created_at": "2025-01-01T00:00:00Z", "updated_at": "2025-01-01T00:00:00Z"});
        let safe = id <= 9_007_199_254_740_991;
        for wire in [json!(id), json!(id.to_string()), json!(format!(" {id} "))] {
            let one = parse::user_object_value(&user(wire.clone())).map(|(u, _)| u.id);
            prop_assert_eq!(one.as_ref().ok(), safe.then_some(&id), "{} ({:?})", wire, one.as_ref().err().map(|e| &e.message));
            let page = json!({"data": [user(wire.clone())], "links": {}, "meta": {"current_page": 1, "per_page": 15, "total": 1}}).to_string();
            let listed = parse::user_page(&page).map(|p| p.data.iter().map(|u| u.id).collect::<Vec<_>>());
            let fast = parse::user_page_json(&page).map(|text| text.contains(&format!("\"id\":{id},")));
            if safe {
                prop_assert_eq!(listed.unwrap(), vec![id]);
                prop_assert!(fast.unwrap(), "the fast route's id for {}", wire);
            } else {
                prop_assert!(listed.is_err() || listed.as_ref().unwrap().is_empty(), "{} past 2^53 gave {:?}", wire, listed);
            }
        }
    }

    #[test]
    fn any_timestamp_text_round_trips_or_is_rejected(s in "[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]{1,9})?)?(Z|[+-][0-9]{2}:?[0-9]{2})?)?") {
        if let Some(t) = vomo_users::time::Timestamp::parse(&s) {
            let printed = t.to_string();
            prop_assert_eq!(vomo_users::time::Timestamp::parse(&printed), Some(t));
        }
    }
}

// The roster CSV writer and reader: any cells written by `to_roster_csv` read back as they
// were (trimmed, as the reader trims), whatever quotes, commas, line breaks, apostrophes and
// formula characters they hold; a cell that would run as a formula is never written bare.
// (The roster CSV is in the full build only.)
#[cfg(feature = "full")]
proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]
    #[test]
    fn roster_csv_cells_written_read_back_as_they_were(
        cells in proptest::collection::vec("[ a-z'=+@,\"\r\n\t-é]{0,12}", 11),
    ) {
        use vomo_users::roster_csv::{parse_roster_csv, to_roster_csv};
        let header = ["External ID", "First Name", "Last Name", "Email", "Phone", "Birthday", "Gender", "Role", "Address", "Organization", "Invite Code"];
        let email = format!("x{}@example.org", cells[3].len());
        let mut row: Vec<Option<String>> = cells.iter().cloned().map(Some).collect();
        row[3] = Some(email.clone());
        let text = to_roster_csv(&[header.iter().map(|h| Some(h.to_string())).collect(), row.clone()]);
        // What a spreadsheet sees: the cells as a plain CSV reader reads them.
        for raw in csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes()).records() {
            for cell in raw.unwrap().iter() {
                prop_assert!(!cell.starts_with(['=', '+', '-', '@']), "a bare formula cell {:?} in {:?}", cell, text);
            }
        }
        let back = parse_roster_csv(&text).unwrap();
        let fields = ["externalId", "firstName", "lastName", "email", "phone", "birthday", "gender", "role", "address", "org", "inviteCode"];
        // A line break with a comma after it (after trimming) in a cell other than the address
        // is refused as a stray quote's work: the row is an error that keeps what it read.
        let swallowed = |c: &str| c.find(['\r', '\n']).is_some_and(|at| c[at..].contains(','));
        let broken = fields.iter().zip(&row).any(|(f, c)| *f != "address" && swallowed(c.as_deref().unwrap_or("").trim()));
        let record = if broken {
            prop_assert_eq!(back.records.len(), 0);
            prop_assert_eq!(back.errors.len(), 1);
            prop_assert!(back.errors[0].message.starts_with("a line break inside "), "{}", back.errors[0].message);
            &back.errors[0].record
        } else {
            prop_assert_eq!(back.records.len(), 1, "{:?}", back.errors);
            back.records[0].as_object().unwrap()
        };
        for (field, cell) in fields.iter().zip(&row) {
            let want = cell.as_deref().unwrap_or("").trim();
            let got = record.get(*field).and_then(|v| v.as_str()).unwrap_or("");
            prop_assert_eq!(got, want, "{} in {:?}", field, text);
        }
    }
}
