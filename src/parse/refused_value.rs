//! Naming the field of a value serde_json refuses inside otherwise well-formed JSON: a string
//! with a lone UTF-16 surrogate escape (`"\ud800"`, which `JSON.stringify` writes for a JS
//! string holding one, and JS's `JSON.parse` reads back), a bad escape, a raw control
//! character; a number beyond what a 64-bit float holds (`1e999`, which `JSON.parse` reads as
//! `Infinity`). serde_json says only where (`at line 1 column 30`); the message should say
//! which field, as every other parse error does. Other syntax errors (a cut body, a missing
//! comma) keep `$`: the body is broken there, not a field.
//!
//! Hand-rolled: a walk over the text up to that position, keeping the keys and indices of
//! the containers it is in (only on the error path). serde_json has no path for its own
//! errors; `serde_path_to_error` finds the same paths by parsing the text again as a `Value`
//! through its tracking wrapper (with `IgnoredAny` it names none, and refuses nothing), and
//! measured +5.9 KB raw, +2.1 KB gzip of the main `.wasm` (+4.9 KB raw of the parse-only
//! one) against this walk's cost, on 2026-12-06: the size is an unmet target (BENCHMARKS.md).

use serde_json::Error;

/// The path (after `base`, which names the text's own place: `data[0]`, or `$`) of the
/// value serde_json refused in `text`, when its error is about a string's content or a
/// number's size; `None` for any other error.
pub(super) fn refused_value_path(text: &str, e: &Error, base: &str) -> Option<String> {
    let said = e.to_string();
    let refused = ["escape", "surrogate", "control character", "number out of range"];
    if !refused.iter().any(|r| said.contains(r)) {
        return None;
    }
    let offset = offset_of(text, e.line(), e.column())?;
    Some(path_at(text.as_bytes(), offset, base))
}

/// The byte offset of serde_json's 1-based line and column (counted in bytes).
fn offset_of(text: &str, line: usize, column: usize) -> Option<usize> {
    let start = if line <= 1 { 0 } else { text.match_indices('\n').nth(line - 2)?.0 + 1 };
    Some((start + column.saturating_sub(1)).min(text.len()))
}

enum Frame {
    /// An object, with the key whose value the walk is in (`None` while at a key).
    Object(Option<String>),
    Array(usize),
}

/// The containers open at `offset`, as a path.
fn path_at(b: &[u8], offset: usize, base: &str) -> String {
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    while i < offset.min(b.len()) {
        match b[i] {
            b'{' => stack.push(Frame::Object(None)),
            b'[' => stack.push(Frame::Array(0)),
            b'}' | b']' => {
                stack.pop();
            }
            b',' => match stack.last_mut() {
                Some(Frame::Array(n)) => *n += 1,
                Some(Frame::Object(key)) => *key = None,
                None => {}
            },
            b'"' => {
                let start = i + 1;
                i += 1;
                while i < b.len() && i < offset && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                // A key: the next character that is not white space is ':'.
                let after = b[(i + 1).min(b.len())..].iter().find(|c| !c.is_ascii_whitespace());
                if let (Some(Frame::Object(key @ None)), Some(b':')) = (stack.last_mut(), after) {
                    if i < offset {
                        *key = Some(String::from_utf8_lossy(&b[start..i.min(b.len())]).into_owned());
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    // `$.a` is written `a`, as JsonPath writes it.
    let mut path = if base == "$" { String::new() } else { base.to_string() };
    for frame in &stack {
        match frame {
            Frame::Object(Some(key)) => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
            }
            Frame::Object(None) => {}
            Frame::Array(n) => path.push_str(&format!("[{n}]")),
        }
    }
    if path.is_empty() {
        path.push('$');
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(text: &str, base: &str) -> Option<String> {
        let e = serde_json::from_str::<serde_json::Value>(text).unwrap_err();
        refused_value_path(text, &e, base)
    }

    #[test]
    fn a_refused_string_is_named_by_its_field() {
        let record = r#"{"id":1,"first_name":"A\ud800","last_name":"B"}"#;
        assert_eq!(path(record, "data[0]").as_deref(), Some("data[0].first_name"));
        let page = "{\"data\":[{\"id\":1},\n {\"id\":2, \"tags\": [\"ok\", \"bad\\x\"]}]}";
        assert_eq!(path(page, "$").as_deref(), Some("data[1].tags[1]"));
        let control = "{\"a\":{\"b\":\"line\nbreak\"}}";
        assert_eq!(path(control, "$").as_deref(), Some("a.b"));
        // A key with an escaped quote, then the refused value.
        assert_eq!(path(r#"{"k\"ey":"\u12"}"#, "$").as_deref(), Some(r#"k\"ey"#));
        // A number beyond a 64-bit float, as a value, in an array, and negative.
        assert_eq!(path(r#"{"meta":{"total":1e999}}"#, "$").as_deref(), Some("meta.total"));
        assert_eq!(path(r#"{"id":1,"hours":[1, -2e400]}"#, "data[3]").as_deref(), Some("data[3].hours[1]"));
        assert_eq!(path("{\"data\":[{\"id\":1},\n {\"id\": 1e999 }]}", "$").as_deref(), Some("data[1].id"));
    }

    #[test]
    fn other_syntax_errors_name_no_field() {
        for text in [r#"{"a":1"#, r#"{"a":1 "b":2}"#, r#"{"a":tru}"#, "[1,2,]"] {
            assert_eq!(path(text, "$"), None, "{text}");
        }
    }
}
