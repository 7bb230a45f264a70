//! One test per row of the README's spec-gap table.

use vomo_users::parse;
use vomo_users::ErrorKind;

const UPSERT_EXAMPLE: &str = include_str!("fixtures/upsert_200_doc_example.json");
const LIST_EXAMPLE: &str = include_str!("fixtures/list_page_spec_example.json");

fn json(v: &impl serde::Serialize) -> serde_json::Value {
    serde_json::to_value(v).unwrap()
}

#[test]
fn gap05_meta_numbers_sent_as_strings_become_integers() {
    let page = parse::user_page(LIST_EXAMPLE).unwrap();
    assert_eq!((page.meta.current_page, page.meta.per_page, page.meta.total), (1, 15, 120));
    assert_eq!((page.meta.from, page.meta.to), (Some(1), Some(15)));
    assert_eq!(page.meta.last_page, None, "last_page is null unless the server sent it");
}

#[test]
fn gap06_the_string_null_and_empty_links_end_the_walk() {
    let page = parse::user_page(LIST_EXAMPLE).unwrap();
    assert_eq!(page.links.prev, None);
    let body = LIST_EXAMPLE.replace("\"https://api.vomo.org/v1/users?page=2\"", "\"\"");
    assert_eq!(parse::user_page(&body).unwrap().links.next, None);
    let body = LIST_EXAMPLE.replace("\"https://api.vomo.org/v1/users?page=2\"", "\"NULL\"");
    assert_eq!(parse::user_page(&body).unwrap().links.next, None);
}

#[test]
fn gap40_hours_as_decimal_strings_become_numbers() {
    let d = parse::user_detail(UPSERT_EXAMPLE).unwrap();
    assert_eq!(d.participations[0].hours, 4.0);
    for (raw, want, warns) in [
        ("2.5", 2.5, false),
        ("\"2.50\"", 2.5, false),
        ("null", 0.0, false),
        ("\"four\"", 0.0, true),
        ("-3", 0.0, true),
        ("\"NaN\"", 0.0, true),
    ] {
        let body = UPSERT_EXAMPLE.replace("\"hours\": \"4.00\"", &format!("\"hours\": {raw}"));
        let d = parse::user_detail(&body).unwrap();
        assert_eq!(d.participations[0].hours, want, "{raw}");
        assert_eq!(d.warnings.iter().any(|w| w.contains("participations[0].hours")), warns, "{raw}: {:?}", d.warnings);
    }
}

#[test]
fn gap41_project_ids_sent_as_strings_become_integers() {
    let d = parse::user_detail(UPSERT_EXAMPLE).unwrap();
    assert_eq!(d.participations[0].project_id, Some(789));
    assert_eq!(d.participations[0].project_date_id, Some(1011));
    let body = UPSERT_EXAMPLE.replace("\"project_date_id\": \"1011\"", "\"project_date_id\": \"x1\"");
    let d = parse::user_detail(&body).unwrap();
    assert_eq!(d.participations[0].project_date_id, None);
    assert!(d.warnings.iter().any(|w| w.starts_with("data.participations[0].project_date_id")), "{:?}", d.warnings);
}

#[test]
fn gap45_46_unknown_enum_values_pass_through_with_a_warning() {
    let page = parse::user_page(LIST_EXAMPLE).unwrap();
    let selina = &page.data[1];
    assert_eq!(selina.user_status.as_deref(), Some("SUSPENDED"));
    assert_eq!(selina.membership_role.as_deref(), Some("COORDINATOR"));
    assert!(page.warnings.iter().any(|w| w.starts_with("data[1].user_status") && w.contains("SUSPENDED")));
    assert!(page.warnings.iter().any(|w| w.starts_with("data[1].membership_role")));
    assert!(!page.warnings.iter().any(|w| w.starts_with("data[0]")), "{:?}", page.warnings);
}

#[test]
fn gap50_detail_data_as_object_or_one_element_array() {
    let as_array = UPSERT_EXAMPLE.replacen("\"data\": {", "\"data\": [{", 1);
    let as_array = format!("{}]}}", as_array.trim_end().trim_end_matches('}').trim_end());
    let from_object = parse::user_detail(UPSERT_EXAMPLE).unwrap();
    let from_array = parse::user_detail(&as_array).unwrap();
    assert_eq!(from_object.user, from_array.user);
    assert!(from_array.warnings.iter().any(|w| w.contains("one-element array")));
    let two = r#"{"data":[{"id":1,"email":"a@b.c"},{"id":2,"email":"d@e.f"}]}"#;
    assert_eq!(parse::user_detail(two).unwrap_err().kind, ErrorKind::Parse);
}

#[test]
fn gap50_detail_without_the_two_arrays_defaults_them_to_empty() {
    let body = r#"{"data":{"id":5,"email":"x@y.z","first_name":"X","last_name":"Y",
        "created_at":"2025-01-01T00:00:00Z","updated_at":"2025-01-01T00:00:00Z"}}"#;
    let d = parse::user_detail(body).unwrap();
    assert!(d.participations.is_empty() && d.profile_field_values.is_empty());
    let v = json(&d);
    assert_eq!(v["participations"], serde_json::json!([]));
    assert_eq!(v["phone"], serde_json::Value::Null, "absent optional fields are null, not missing");
}

#[test]
fn quirk_upsert_response_has_string_id_and_string_code() {
    let d = parse::user_detail(UPSERT_EXAMPLE).unwrap();
    assert_eq!(d.user.id, 8205);
    assert_eq!(json(&d)["id"], serde_json::json!(8205));
}

#[test]
fn quirk_timestamps_in_every_iso_form_normalize_to_utc_millis() {
    let page = parse::user_page(LIST_EXAMPLE).unwrap();
    let v = json(&page);
    assert_eq!(v["data"][0]["createdAt"], "2025-11-04T08:00:00.000Z");
    assert_eq!(v["data"][1]["createdAt"], "2025-11-04T08:00:00.000Z");
    assert_eq!(v["data"][1]["updatedAt"], "2025-11-06T12:30:00.000Z");
}

#[test]
fn quirk_missing_or_empty_optional_fields_are_null_and_gender_is_case_normalized() {
    let v = json(&parse::user_page(LIST_EXAMPLE).unwrap());
    let selina = &v["data"][1];
    assert_eq!(selina["address"], serde_json::Value::Null);
    assert_eq!(selina["phone"], serde_json::Value::Null, "\"\" is never returned");
    assert_eq!(selina["birthday"], serde_json::Value::Null);
    assert_eq!(selina["gender"], "F");
    let odd = LIST_EXAMPLE.replace("\"gender\": \"f\"", "\"gender\": \"X\"");
    let page = parse::user_page(&odd).unwrap();
    assert_eq!(page.data[1].gender, None);
    assert!(page.warnings.iter().any(|w| w.starts_with("data[1].gender")));
}

#[test]
fn a_bad_record_is_dropped_and_reported_not_fatal() {
    let body = LIST_EXAMPLE.replacen("\"id\": \"12346\"", "\"id\": \"abc\"", 1);
    let page = parse::user_page(&body).unwrap();
    assert_eq!(page.data.len(), 1);
    assert!(page.warnings.iter().any(|w| w.starts_with("data[1].id") && w.contains("dropped")), "{:?}", page.warnings);
}

#[test]
fn a_body_that_is_not_the_documented_shape_names_the_json_path() {
    let cases = [
        ("<html>oops</html>", "$: not JSON"),
        ("", "$: empty body"),
        ("[1,2]", "$: expected the pagination envelope"),
        (r#"{"links":{},"meta":{}}"#, "data: missing"),
        (r#"{"data":{},"meta":{}}"#, "data: expected an array"),
        (r#"{"data":[],"links":{}}"#, "meta: missing"),
        (r#"{"data":[],"meta":{"current_page":1,"per_page":"x","total":0}}"#, "meta.per_page: expected"),
    ];
    for (body, prefix) in cases {
        let e = parse::user_page(body).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Parse);
        assert!(e.message.starts_with(prefix), "{body:?} gave {:?}", e.message);
    }
    let e = parse::user_detail(r#"{"data":{"id":3,"created_at":"2025-01-01T00:00:00Z"}}"#).unwrap_err();
    assert!(e.message.starts_with("data.email:"), "{}", e.message);
    let e = parse::user_object(r#"{"id":1,"email":"a@b.c","created_at":"soon","updated_at":"2025-01-01"}"#).unwrap_err();
    assert!(e.message.starts_with("created_at: not an ISO-8601"), "{}", e.message);
}

#[test]
fn empty_page_past_the_end_has_null_from_and_to() {
    let body = r#"{"data":[],"links":{"first":"a","last":"a","prev":"a","next":null},
        "meta":{"current_page":9,"from":null,"to":null,"path":"p","per_page":15,"total":120,"last_page":8}}"#;
    let page = parse::user_page(body).unwrap();
    assert_eq!((page.meta.from, page.meta.to, page.meta.last_page), (None, None, Some(8)));
}

#[test]
fn profile_field_values_keep_text_and_stringify_scalars() {
    let body = UPSERT_EXAMPLE.replace("\"value\": \"L\"", "\"value\": 42");
    let d = parse::user_detail(&body).unwrap();
    assert_eq!(d.profile_field_values[0].value.as_deref(), Some("42"));
    assert_eq!(d.profile_field_values[0].field_label, "T-shirt size");
}

/// Laravel counts pages from 1 and pages by at least one row: a 0 is kept as sent, with a
/// warning naming it, on the model route and the listing's JSON route alike.
#[test]
fn a_page_number_or_size_of_zero_is_kept_with_a_warning() {
    let body = r#"{"data":[],"links":{"first":null,"last":null,"prev":null,"next":null},
        "meta":{"current_page":0,"from":null,"to":null,"path":"p","per_page":0,"total":0}}"#;
    let page = parse::user_page(body).unwrap();
    assert_eq!((page.meta.current_page, page.meta.per_page), (0, 0));
    assert_eq!(
        page.warnings,
        [
            "meta.current_page: 0, where pages count from 1; kept as sent",
            "meta.per_page: 0, where a page holds at least one row; kept as sent"
        ]
    );
    let parts = parse::user_page_parts(body).unwrap();
    assert_eq!(parts.warnings, page.warnings, "the JSON route says the same");
    let fine =
        parse::user_page(&body.replace("\"current_page\":0", "\"current_page\":1").replace("\"per_page\":0", "\"per_page\":15")).unwrap();
    assert!(fine.warnings.is_empty(), "{:?}", fine.warnings);
}
