//! CSV rosters to import records, with a documented header map and per-row errors that
//! name the line. Parsing is the `csv` crate's (quotes, CRLF, embedded newlines).

use crate::error::{Result, VomoError};
use serde::Serialize;
use serde_json::{Map, Value};

/// Header spellings accepted for each record field, compared after lower-casing and
/// dropping everything but letters and digits ("First Name" -> "firstname").
pub const HEADER_MAP: [(&str, &[&str]); 11] = [
    ("externalId", &["externalid", "external_id", "id", "employeeid", "memberid", "crmid", "contactid"]),
    ("firstName", &["firstname", "first", "givenname", "fname", "forename"]),
    ("lastName", &["lastname", "last", "surname", "familyname", "lname"]),
    ("email", &["email", "emailaddress", "mail"]),
    ("phone", &["phone", "phonenumber", "mobile", "mobilephone", "cell", "telephone", "tel"]),
    ("birthday", &["birthday", "birthdate", "dateofbirth", "dob"]),
    ("gender", &["gender", "sex"]),
    ("role", &["role", "membershiprole"]),
    ("address", &["address", "streetaddress", "homeaddress"]),
    ("org", &["org", "organization", "organisation", "orgslug"]),
    ("inviteCode", &["invitecode", "invitationcode"]),
];

/// The columns a roster must have.
const REQUIRED: [&str; 3] = ["email", "firstName", "lastName"];

fn normalize_header(h: &str) -> String {
    h.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect()
}

/// The field a header names, if any.
pub fn field_for_header(header: &str) -> Option<&'static str> {
    let n = normalize_header(header);
    HEADER_MAP.iter().find(|(_, names)| names.iter().any(|x| normalize_header(x) == n)).map(|(f, _)| *f)
}

/// A row of the roster that could not be used.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RowError {
    /// 1-based line number in the file where the row starts.
    pub line: u64,
    /// What is wrong with it.
    pub message: String,
    /// What the row held under the headers that are read, as text (by position, as far as
    /// its cells go, when their count is off), so that it can be written out and fixed; empty
    /// when the row could not be read at all.
    pub record: Map<String, Value>,
}

/// A CSV roster read (`parseRosterCsv`).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ParsedRoster {
    /// Records as `importRoster` takes them (camelCase; empty cells left out).
    pub records: Vec<Value>,
    /// The rows that could not be used.
    pub errors: Vec<RowError>,
    /// Headers that map to no field; their cells are ignored.
    pub ignored_columns: Vec<String>,
}

/// Excel's separator hint: a first line `sep=;` (any one ASCII character, the line quoted or
/// not) names the separator of the rest of the file and is no row. Returns the separator and
/// the text after that line.
fn separator_hint(text: &str) -> Option<(u8, &str)> {
    let (quoted, rest) = match text.strip_prefix("\"sep=") {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix("sep=")?),
    };
    let d = *rest.as_bytes().first().filter(|d| d.is_ascii() && !matches!(d, b'\r' | b'\n' | b'"'))?;
    let rest = &rest[1..];
    let rest = if quoted { rest.strip_prefix('"')? } else { rest };
    let rest = rest.strip_prefix("\r\n").or_else(|| rest.strip_prefix('\n')).or_else(|| rest.strip_prefix('\r'))?;
    Some((d, rest))
}

/// Parses a CSV roster. A header row is required and must name an email, a first-name and a
/// last-name column. Cells are separated by commas; a file whose header row finds those
/// columns only when split at semicolons or tabs (a spreadsheet saved with a European list
/// separator, or as tab-separated text) is read with that separator instead. A first line
/// `sep=;` names the separator (as Excel reads it) and is skipped.
///
/// ```
/// let csv = "\u{feff}First Name,Last Name,Email Address\r\n\"Lee, Ann\",Park,ann@x.org\r\n";
/// let r = vomo_users::roster_csv::parse_roster_csv(csv).unwrap();
/// assert_eq!(r.records[0]["firstName"], "Lee, Ann");
/// ```
pub fn parse_roster_csv(text: &str) -> Result<ParsedRoster> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // No roster holds a NUL; UTF-16 text without a byte order mark is valid UTF-8 with a NUL
    // beside every ASCII letter, whose headers still match once NULs are ignored: refused, or
    // its names would reach VOMO as "\u{0}A\u{0}n\u{0}n".
    if let Some(at) = text.bytes().position(|b| b == 0) {
        let line = line_breaks(&text.as_bytes()[..at], text.as_bytes()) + 1;
        return Err(VomoError::invalid_input(format!(
            "roster CSV: line {line} holds a NUL character, which no roster has: the file is probably UTF-16 text without a \
             byte order mark; save it as \"CSV UTF-8\" and try again"
        )));
    }
    // U+FFFD is what a decoder puts where bytes were not UTF-8 (`TextDecoder`, `readFileSync(f,
    // "utf8")`, a spreadsheet's import): the name it stands in was lost before this parser saw
    // it, and would reach VOMO as "Jos\u{fffd}". Refused, as such bytes are.
    if let Some(at) = text.find('\u{fffd}') {
        let line = line_breaks(&text.as_bytes()[..at], text.as_bytes()) + 1;
        let line_start = text[..at].rfind(['\n', '\r']).map_or(0, |i| i + 1);
        let before: String = text[line_start..at].chars().rev().take(20).collect::<Vec<_>>().into_iter().rev().collect();
        return Err(VomoError::invalid_input(format!(
            "roster CSV: line {line} holds U+FFFD, the replacement character (after {before:?}): the text was decoded from bytes \
             that were not UTF-8, and what it replaced is lost; pass the file's bytes (saved as \"CSV UTF-8\") instead"
        )));
    }
    let (hint, text, skipped_lines) = match separator_hint(text) {
        Some((d, rest)) => (Some(d), rest, 1),
        None => (None, text, 0),
    };
    let reader =
        |delimiter| csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).delimiter(delimiter).from_reader(text.as_bytes());
    let header_row = |delimiter| {
        let headers =
            reader(delimiter).headers().map_err(|e| VomoError::invalid_input(format!("roster CSV: unreadable header row ({e})")))?.clone();
        let columns: Vec<Option<&'static str>> = headers.iter().map(field_for_header).collect();
        let missing = REQUIRED.into_iter().find(|r| !columns.contains(&Some(*r)));
        Ok::<_, VomoError>((headers, columns, missing))
    };
    let first = hint.unwrap_or(b',');
    let (mut delimiter, (mut headers, mut columns, missing)) = (first, header_row(first)?);
    if let Some(required) = missing {
        // Another separator is tried only when the file named none.
        let others = if hint.is_some() { &[][..] } else { &[b';', b'\t'][..] };
        let other = others.iter().find_map(|&d| match header_row(d) {
            Ok((h, c, None)) => Some((d, h, c)),
            _ => None,
        });
        let Some((d, h, c)) = other else {
            return Err(VomoError::invalid_input(if text.trim().is_empty() {
                "roster CSV: the file is empty (expected a header row naming the email, first name and last name columns)".to_string()
            } else {
                format!("roster CSV: no column for {required} (headers: {})", headers.iter().collect::<Vec<_>>().join(", "))
            }));
        };
        (delimiter, headers, columns) = (d, h, c);
    }
    // Two columns for one field ("Phone" and "Mobile", "Email" and "E-mail Address"): which one
    // a record should take is the user's call, not the parser's.
    for (i, field) in columns.iter().enumerate() {
        if let Some(j) = field.and_then(|f| columns[i + 1..].iter().position(|c| *c == Some(f))) {
            return Err(VomoError::invalid_input(format!(
                "roster CSV: columns {:?} and {:?} both read as {}; remove one, or rename it to a header that is not read \
                 (its cells are then ignored)",
                &headers[i],
                &headers[i + 1 + j],
                field.unwrap_or_default()
            )));
        }
    }
    let ignored_columns = headers.iter().zip(&columns).filter(|(_, f)| f.is_none()).map(|(h, _)| h.to_string()).collect();
    let mut reader = reader(delimiter); // `records()` skips the header row
    let mut records = Vec::new();
    let mut errors = Vec::new();
    // The reader's own line count skips blank lines; count newlines before the row instead,
    // going forward from the previous row (rows come in file order), so the whole file is
    // scanned once.
    let mut lines = LineCounter::new(text.as_bytes());
    for row in reader.records() {
        let row = match row {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| lines.line_at(p.byte()) + skipped_lines);
                errors.push(RowError { line, message: format!("unreadable row ({e})"), record: Map::new() });
                continue;
            }
        };
        let line = row.position().map_or(0, |p| lines.line_at(p.byte()) + skipped_lines);
        if row.iter().all(str::is_empty) {
            continue;
        }
        let mut record = Map::new();
        for (cell, field) in row.iter().zip(&columns) {
            if let (Some(field), false) = (field, cell.is_empty()) {
                record.insert((*field).to_string(), Value::String(without_formula_guard(cell).to_string()));
            }
        }
        // A quote that never closes (or closes rows later) makes one "row" of many lines: say
        // so, and how many lines it took.
        let last = row.len().saturating_sub(1);
        let breaks: usize = row
            .iter()
            .enumerate()
            .map(|(i, cell)| if i == last { cell.trim_end_matches(['\r', '\n']) } else { cell })
            .map(|cell| cell.matches('\n').count() + cell.matches('\r').filter(|_| !cell.contains("\r\n")).count())
            .sum();
        let end = line + breaks as u64;
        let swallowed_lines = |or_never: &str| {
            format!(
                "a quote opened in this row closes only on line {end}{or_never}, so lines {line}-{end} were read as one row (look for a missing closing quote)"
            )
        };
        if row.len() != headers.len() {
            let cells = match row.len() {
                1 => "1 cell".to_string(),
                n => format!("{n} cells"),
            };
            let message = if breaks > 0 {
                format!("{cells} where the header has {}: {}", headers.len(), swallowed_lines(" or never"))
            } else if row.len() > headers.len() {
                // The cells past the header belong to no column, so the record cannot hold
                // them: named here, they reach the failed rows' file (often the email, pushed
                // right by a comma in a name), cut at 300 characters.
                let beyond: Vec<String> = row.iter().skip(headers.len()).map(|c| serde_json::to_string(c).unwrap_or_default()).collect();
                let mut beyond = beyond.join(", ");
                if beyond.chars().count() > 300 {
                    beyond = format!("{}...", beyond.chars().take(300).collect::<String>());
                }
                format!("{cells} where the header has {} (beyond it: {beyond})", headers.len())
            } else {
                format!("{cells} where the header has {}", headers.len())
            };
            errors.push(RowError { line, message, record });
            continue;
        }
        // Rows swallowed whole can add up to the header's count of cells; then a cell other
        // than the address holds a line break with a separator after it: the next row's cells.
        // (A name written on two lines in one spreadsheet cell, "Ruiz⏎Jr.", is kept.)
        let swallowed = |cell: &str| cell.find(['\r', '\n']).is_some_and(|at| cell.as_bytes()[at..].contains(&delimiter));
        let broken = row.iter().zip(&columns).find(|(cell, field)| field.is_some_and(|f| f != "address") && swallowed(cell));
        if let (Some((_, Some(field))), true) = (broken, breaks > 0) {
            errors.push(RowError { line, message: format!("a line break inside {field}: {}", swallowed_lines("")), record });
            continue;
        }
        if !record.contains_key("email") {
            errors.push(RowError { line, message: "no email".into(), record });
            continue;
        }
        record.insert("line".into(), Value::from(line));
        records.push(Value::Object(record));
    }
    Ok(ParsedRoster { records, errors, ignored_columns })
}

/// A cell as it was before a writer guarded it against spreadsheets: an apostrophe before a
/// leading `=`, `+`, `-` or `@` is dropped. Spreadsheets run a cell that starts with one of
/// those as a formula (CSV injection: `=HYPERLINK(...)` in a volunteer's name); the failed
/// rows that `vomo-users import` and the admin page write put an apostrophe before them,
/// which spreadsheets show as text, so that such a file read back (or a roster saved from it)
/// gives the value the roster held. Only one apostrophe, and only where apostrophes and then
/// one of those characters begin the cell: the writers guard a value that already begins so
/// (`'+1` is written `''+1`), so that every value reads back as it was.
fn without_formula_guard(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if runs_as_formula(rest) => rest,
        _ => cell,
    }
}

/// Whether a spreadsheet would run `cell` as a formula, or `cell` begins as a guarded one does:
/// apostrophes, then `=`, `+`, `-` or `@`. The writer guards these, the reader unguards them.
fn runs_as_formula(cell: &str) -> bool {
    cell.trim_start_matches('\'').starts_with(['=', '+', '-', '@'])
}

/// CSV text of `rows` (the first is usually the header; rows may differ in length; `None` is
/// an empty cell) that [`parse_roster_csv`] reads back as it was: RFC 4180 quoting (a cell
/// holding a comma, a quote or a line break is quoted, its quotes doubled; a row of one empty
/// cell is `""`, not an empty line),
/// CRLF line ends as spreadsheets write them, and an apostrophe before every cell that begins
/// with `=`, `+`, `-` or `@` after any apostrophes, so that a spreadsheet shows it as text
/// instead of running it (see `without_formula_guard`, which drops it again). The reader
/// trims each cell, so spaces around a value do not survive.
///
/// ```
/// use vomo_users::roster_csv::{parse_roster_csv, to_roster_csv};
/// let cells = |r: &[&str]| r.iter().map(|c| Some(c.to_string())).collect::<Vec<_>>();
/// let text = to_roster_csv(&[cells(&["First Name", "Last Name", "Email"]), cells(&["=HYPERLINK(\"x\")", "Lee, Jr.", "a@x.org"])]);
/// assert_eq!(text, "First Name,Last Name,Email\r\n\"'=HYPERLINK(\"\"x\"\")\",\"Lee, Jr.\",a@x.org\r\n");
/// let back = parse_roster_csv(&text).unwrap();
/// assert_eq!(back.records[0]["firstName"], "=HYPERLINK(\"x\")");
/// assert_eq!(back.records[0]["lastName"], "Lee, Jr.");
/// ```
///
/// Hand-rolled, measured: the `csv` crate's writer (which the reader's crate offers) added
/// 8.1 KB raw / 3.6 KB gzip to the `.wasm`, this 3.2 / 1.5 (2026-12-05). The property test
/// `roster_csv_cells_written_read_back_as_they_were` holds it to that crate's reader.
pub fn to_roster_csv(rows: &[Vec<Option<String>>]) -> String {
    let mut out = String::new();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let cell = cell.as_deref().unwrap_or("");
            let trimmed = cell.trim();
            let guarded;
            let cell = if runs_as_formula(trimmed) {
                guarded = format!("'{trimmed}");
                guarded.as_str()
            } else {
                cell
            };
            if cell.contains([',', '"', '\r', '\n']) || (row.len() == 1 && cell.is_empty()) {
                out.push('"');
                out.push_str(&cell.replace('"', "\"\""));
                out.push('"');
            } else {
                out.push_str(cell);
            }
        }
        out.push_str("\r\n");
    }
    out
}

/// [`parse_roster_csv`] of a file's bytes, which must be UTF-8 (a UTF-8 byte order mark is
/// allowed). Bytes that are not (a roster saved by a spreadsheet in a legacy code page, such as
/// Windows-1252 `é` = `0xE9`) are refused with the line and the bytes, never replaced: a name
/// read as `Jos\u{fffd}` would be sent to VOMO as such.
///
/// ```
/// use vomo_users::roster_csv::parse_roster_csv_bytes;
/// let ok = parse_roster_csv_bytes("First Name,Last Name,Email\nJosé,B,j@x.org\n".as_bytes()).unwrap();
/// assert_eq!(ok.records[0]["firstName"], "José");
/// let err = parse_roster_csv_bytes(b"First Name,Last Name,Email\nJos\xe9,B,j@x.org\n").unwrap_err();
/// assert!(err.message.contains("line 2"), "{}", err.message);
/// ```
pub fn parse_roster_csv_bytes(bytes: &[u8]) -> Result<ParsedRoster> {
    // A workbook picked instead of its CSV export: an .xlsx (and an .ods) is a ZIP archive,
    // whose header would otherwise be refused as a NUL or as bytes that are not UTF-8.
    if bytes.starts_with(b"PK\x03\x04") {
        return Err(VomoError::invalid_input(
            "roster CSV: the file is a ZIP archive, not text (an Excel .xlsx or OpenDocument .ods workbook is one): \
             save the sheet as \"CSV UTF-8\" and pick that file",
        ));
    }
    if bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]) {
        return Err(VomoError::invalid_input(
            "roster CSV: the file is UTF-16 text (a spreadsheet's \"Unicode text\"); save it as \"CSV UTF-8\" and try again",
        ));
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => parse_roster_csv(text),
        Err(e) => {
            let valid = &bytes[..e.valid_up_to()];
            let line = line_breaks(valid, bytes) + 1;
            let line_start = valid.iter().rposition(|b| *b == b'\n' || *b == b'\r').map_or(0, |i| i + 1);
            // The valid prefix is UTF-8 by definition.
            let before = std::str::from_utf8(&valid[line_start..]).unwrap_or_default();
            let before: String = before.chars().rev().take(20).collect::<Vec<_>>().into_iter().rev().collect();
            let bad = &bytes[e.valid_up_to()..][..e.error_len().unwrap_or(bytes.len() - e.valid_up_to()).min(4)];
            let bad = bad.iter().map(|b| format!("0x{b:02X}")).collect::<Vec<_>>().join(" ");
            Err(VomoError::invalid_input(format!(
                "roster CSV: line {line} is not UTF-8 text (byte {bad} after {before:?}); the file was probably saved in a \
                 legacy encoding such as Windows-1252: save it as \"CSV UTF-8\" and try again"
            )))
        }
    }
}

/// The line breaks in `part`, the start of `whole`: "\n", "\r\n" and a lone "\r" (the line
/// ending of a spreadsheet's "CSV (Macintosh)", which the csv crate reads as rows too).
fn line_breaks(part: &[u8], whole: &[u8]) -> u64 {
    part.iter().enumerate().filter(|(i, b)| **b == b'\n' || (**b == b'\r' && whole.get(i + 1) != Some(&b'\n'))).count() as u64
}

#[cfg(test)]
thread_local! {
    /// Bytes [`LineCounter`] has scanned on this thread (a test checks it scans each once).
    static LINE_BYTES_SCANNED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// 1-based line numbers of byte offsets asked in increasing order, in one pass overall.
struct LineCounter<'a> {
    bytes: &'a [u8],
    /// Newlines in `bytes[..at]`.
    at: usize,
    newlines: u64,
}

impl<'a> LineCounter<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        LineCounter { bytes, at: 0, newlines: 0 }
    }

    /// The line where a row starting at `byte` begins. A row position can point at the
    /// blank lines the reader skipped: those are stepped over first.
    fn line_at(&mut self, byte: u64) -> u64 {
        let bytes = self.bytes;
        let mut to = (byte as usize).min(bytes.len());
        while to < bytes.len() && (bytes[to] == b'\n' || bytes[to] == b'\r') {
            to += 1;
        }
        if to < self.at {
            // Never happens for the reader's positions; stay right if it ever does.
            self.at = 0;
            self.newlines = 0;
        }
        self.newlines += line_breaks(&bytes[self.at..to], &bytes[self.at..]);
        #[cfg(test)]
        LINE_BYTES_SCANNED.with(|c| c.set(c.get() + (to - self.at)));
        self.at = to;
        self.newlines + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_text_without_a_byte_order_mark_is_refused_with_its_line() {
        let utf16: Vec<u8> = "First Name,Last Name,Email\nAnn,Lee,a@x.org\n".encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
        let e = parse_roster_csv_bytes(&utf16).unwrap_err();
        assert_eq!(e.kind, crate::error::ErrorKind::InvalidInput);
        assert!(e.message.starts_with("roster CSV: line 1 holds a NUL character"), "{}", e.message);
        // A workbook's bytes (a ZIP archive: an .xlsx), not its CSV export.
        let xlsx = parse_roster_csv_bytes(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00[Content_Types].xml").unwrap_err();
        assert!(xlsx.message.starts_with("roster CSV: the file is a ZIP archive, not text (an Excel .xlsx"), "{}", xlsx.message);
        let e = parse_roster_csv("First Name,Last Name,Email\nAnn,Lee,a@x.org\nBo\0,Lee,b@x.org\n").unwrap_err();
        assert!(e.message.starts_with("roster CSV: line 3 holds a NUL"), "{}", e.message);
    }

    #[test]
    fn spreadsheet_headers_bom_quotes_and_crlf() {
        let csv = "\u{feff}Employee ID,First Name,Surname,E-mail Address,DOB,Shoe size\r\n\
                   E1,\"Ann, Jr.\",Lee,ann@x.org,1990-01-02,42\r\n\
                   E2,Bo,\"Multi\nLine\",bo@x.org,,\r\n";
        let r = parse_roster_csv(csv).unwrap();
        assert_eq!(r.records.len(), 2, "{:?}", r.errors);
        assert_eq!(r.records[0]["externalId"], "E1");
        assert_eq!(r.records[0]["firstName"], "Ann, Jr.");
        assert_eq!(r.records[0]["email"], "ann@x.org");
        assert_eq!(r.records[0]["birthday"], "1990-01-02");
        assert_eq!(r.records[1]["lastName"], "Multi\nLine");
        assert!(r.records[1].get("birthday").is_none(), "empty cells are left out");
        assert_eq!(r.ignored_columns, vec!["Shoe size"]);
    }

    #[test]
    fn the_same_roster_with_lf_crlf_or_cr_line_endings_reads_the_same_lines() {
        let lines = ["First Name,Last Name,Email", "A,B,a@x.org", "", "C,D", "\"E\nE\",F,e@x.org", "G,H,g@x.org"];
        let read = |eol: &str| {
            let r = parse_roster_csv(&lines.join(eol)).unwrap();
            let at: Vec<u64> = r.records.iter().map(|v| v["line"].as_u64().unwrap()).collect();
            (at, r.errors.iter().map(|e| e.line).collect::<Vec<_>>())
        };
        assert_eq!(read("\n"), (vec![2, 5, 7], vec![4]));
        assert_eq!(read("\r\n"), read("\n"));
        // A quoted cell's own newline stays "\n" in each file; the line endings are what differ.
        assert_eq!(read("\r"), read("\n"), "\"CSV (Macintosh)\" line endings");
        let err = parse_roster_csv_bytes(b"First Name,Last Name,Email\rA,B,a@x.org\rJos\xe9,B,j@x.org\r").unwrap_err();
        assert!(err.message.starts_with("roster CSV: line 3 is not UTF-8 text (byte 0xE9 after \"Jos\")"), "{}", err.message);
    }

    /// Text a decoder already replaced bytes in (U+FFFD) is refused like the bytes would be,
    /// naming the line, also when the file's bytes held U+FFFD themselves.
    #[test]
    fn a_replacement_character_is_refused_naming_its_line() {
        let err = parse_roster_csv("First Name,Last Name,Email\r\nAnn,Lee,a@x.org\r\nJos\u{fffd},B,j@x.org\r\n").unwrap_err();
        assert_eq!(err.kind, crate::error::ErrorKind::InvalidInput);
        assert!(err.message.starts_with("roster CSV: line 3 holds U+FFFD, the replacement character (after \"Jos\")"), "{}", err.message);
        let bytes = "First Name,Last Name,Email\nJos\u{fffd},B,j@x.org\n".as_bytes().to_vec();
        assert!(parse_roster_csv_bytes(&bytes).unwrap_err().message.contains("line 2 holds U+FFFD"));
    }

    #[test]
    fn two_columns_for_one_field_are_refused_naming_both() {
        for (header, a, b, field) in [
            ("First Name,Last Name,Email,E-mail Address", "Email", "E-mail Address", "email"),
            ("Phone,First Name,Last Name,Email,Mobile", "Phone", "Mobile", "phone"),
            ("First Name;First name;Last Name;Email", "First Name", "First name", "firstName"),
        ] {
            let e = parse_roster_csv(&format!("{header}\n")).unwrap_err();
            assert_eq!(e.kind, crate::error::ErrorKind::InvalidInput);
            assert!(e.message.starts_with(&format!("roster CSV: columns {a:?} and {b:?} both read as {field}; ")), "{}", e.message);
        }
        // A column that is not read may repeat.
        assert!(parse_roster_csv("First Name,Last Name,Email,Notes,Notes\nA,B,a@x.org,1,2\n").is_ok());
    }

    #[test]
    fn cells_past_the_header_are_named_in_the_error_not_lost() {
        let r = parse_roster_csv("First Name,Last Name,Email\nAna,Lima, Jr.,ana@x.org\n").unwrap();
        assert_eq!(r.errors[0].message, "4 cells where the header has 3 (beyond it: \"ana@x.org\")");
        let long = format!("First Name,Last Name,Email\nA,B,c@x.org,{}\n", "x".repeat(400));
        let message = &parse_roster_csv(&long).unwrap().errors[0].message;
        assert!(message.ends_with("...)") && message.len() < 400, "{message}");
    }

    #[test]
    fn bad_rows_are_reported_with_their_line() {
        let csv = "first_name,last_name,email\nA,B,a@x.org\nC,D\nE,F,\n\nG,H,g@x.org\n";
        let r = parse_roster_csv(csv).unwrap();
        assert_eq!(r.records.len(), 2);
        let lines: Vec<u64> = r.errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![3, 4]);
        assert_eq!(r.records[1]["line"], 6);
    }

    /// Line numbers are counted in one pass: parsing 8x the rows takes about 8x the time,
    /// not 64x (the per-row rescan it replaces was quadratic: 40,000 rows took 13.9 s).
    #[test]
    fn line_numbers_are_counted_in_one_pass_over_the_file() {
        // The work, not the time (timings belong in examples/roster_csv_rate.rs): each row's
        // line used to be counted from the start of the file, quadratic in the rows.
        let mut text = String::from("first,last,email\r\n");
        for i in 0..4_000 {
            text.push_str(if i % 100 == 50 { "\r\n\n" } else { "" });
            text.push_str(&format!("F{i},\"L\nL{i}\",p{i}@x.org\r\n"));
        }
        let r = parse_roster_csv(&text).unwrap();
        assert_eq!(r.records.len(), 4_000);
        assert_eq!(r.records[3_999]["line"], 1 + 2 * 3_999 + 2 * 40 + 1, "the last row's line");
        let scanned = LINE_BYTES_SCANNED.with(|c| c.get());
        assert!(scanned <= text.len(), "{scanned} bytes scanned for line numbers in a file of {}", text.len());
    }

    #[test]
    fn rows_swallowed_by_a_stray_quote_are_refused_even_when_the_cells_add_up() {
        // The quote opened before "Ann" closes after "Bo": one row of 4 cells, as the header has.
        let csv = "External ID,First Name,Last Name,Email\r\ncrm-1,\"Ann,Lee,a@x.org\r\ncrm-2,Bo\",Li,b@x.org\r\ncrm-3,Cy,Wu,c@x.org\r\n";
        let r = parse_roster_csv(csv).unwrap();
        assert_eq!(r.records.len(), 1, "{:?}", r.records);
        assert_eq!(r.records[0]["externalId"], "crm-3");
        assert_eq!(r.errors.len(), 1);
        assert_eq!(
            r.errors[0].message,
            "a line break inside firstName: a quote opened in this row closes only on line 3, so lines 2-3 were read as one row (look for a missing closing quote)"
        );
        assert_eq!(r.errors[0].line, 2);
        assert_eq!(r.errors[0].record["email"], "b@x.org", "the record keeps what it read");
        // A line break in an address is an address on two lines (commas and all); in a name
        // without a separator after it, a name on two lines of one cell.
        let r =
            parse_roster_csv("First Name,Last Name,Email,Address\nAnn,\"Ruiz\nJr.\",a@x.org,\"1 Main St,\nSpringfield, IL\"\n").unwrap();
        assert_eq!(r.records[0]["address"], "1 Main St,\nSpringfield, IL");
        assert_eq!(r.records[0]["lastName"], "Ruiz\nJr.");
        assert!(r.errors.is_empty());
    }

    #[test]
    fn a_sep_line_names_the_separator_and_is_no_row() {
        for (hint, sep) in [("sep=;", ";"), ("\"sep=|\"", "|"), ("sep=,", ","), ("sep=\t", "\t")] {
            for eol in ["\r\n", "\n"] {
                let csv = format!("{hint}{eol}First Name{sep}Last Name{sep}Email{eol}Ann{sep}Park{sep}ann@x.org{eol}Bo{sep}Li{eol}");
                let r = parse_roster_csv(&csv).unwrap();
                assert_eq!(r.records.len(), 1, "{hint:?}");
                assert_eq!((r.records[0]["firstName"].as_str(), r.records[0]["line"].as_u64()), (Some("Ann"), Some(3)), "{hint:?}");
                assert_eq!(r.errors[0].line, 4, "line numbers count the sep line: {hint:?}");
            }
        }
        // The named separator is the one used: no other is tried.
        let e = parse_roster_csv("sep=;\nFirst Name,Last Name,Email\nA,B,a@x.org\n").unwrap_err();
        assert_eq!(e.message, "roster CSV: no column for email (headers: First Name,Last Name,Email)");
        // A header that only begins like one is a header.
        let e = parse_roster_csv("sep=;x\nA;B\n").unwrap_err();
        assert!(e.message.contains("headers: sep=;x"), "{}", e.message);
    }

    #[test]
    fn semicolon_and_tab_separated_rosters_are_read_when_their_header_says_so() {
        for sep in [";", "\t"] {
            let csv = format!("First Name{sep}Last Name{sep}Email{sep}Notes\n\"Lee{sep} Ann\"{sep}Park{sep}ann@x.org{sep}a,b\n");
            let r = parse_roster_csv(&csv).unwrap();
            assert_eq!(r.records.len(), 1, "{sep:?}");
            assert_eq!(r.records[0]["firstName"], format!("Lee{sep} Ann"));
            assert_eq!(r.records[0]["email"], "ann@x.org");
            assert_eq!(r.ignored_columns, ["Notes"]);
        }
        // A comma roster whose header also holds semicolons stays a comma roster.
        let r = parse_roster_csv("First Name,Last Name,Email,Notes; misc\nA,B,a@x.org,x;y\n").unwrap();
        assert_eq!(r.ignored_columns, ["Notes; misc"]);
        // Neither separator finds the columns: the comma reading is the one reported.
        let e = parse_roster_csv("Name;Email\nA;a@x.org\n").unwrap_err();
        assert_eq!(e.message, "roster CSV: no column for email (headers: Name;Email)");
        let e = parse_roster_csv(" \r\n").unwrap_err();
        assert!(e.message.contains("the file is empty"), "{}", e.message);
    }

    #[test]
    fn bytes_that_are_not_utf8_are_refused_with_their_line_never_replaced() {
        let e = parse_roster_csv_bytes(b"First Name,Last Name,Email\r\nAna,Lima,a@x.org\r\nJos\xe9,B,j@x.org\r\n").unwrap_err();
        assert_eq!(e.kind, crate::error::ErrorKind::InvalidInput);
        assert!(e.message.starts_with("roster CSV: line 3 is not UTF-8 text (byte 0xE9 after \"Jos\")"), "{}", e.message);
        // A truncated sequence at the very end.
        let e = parse_roster_csv_bytes(b"First Name,Last Name,Email\nA,B,c@x.org\xc3").unwrap_err();
        assert!(e.message.contains("line 2") && e.message.contains("0xC3 after \"A,B,c@x.org\""), "{}", e.message);
        let e = parse_roster_csv_bytes(&[0xff, 0xfe, b'F', 0]).unwrap_err();
        assert!(e.message.contains("UTF-16"), "{}", e.message);
        // UTF-8 with and without a BOM reads as the text does.
        let text = "First Name,Last Name,Email\r\nZoë,Ørsted,z@x.org\r\n";
        for bytes in [text.as_bytes().to_vec(), [&[0xef, 0xbb, 0xbf][..], text.as_bytes()].concat()] {
            let r = parse_roster_csv_bytes(&bytes).unwrap();
            assert_eq!(r.records, parse_roster_csv(text).unwrap().records);
        }
    }

    #[test]
    fn a_roster_without_an_email_column_is_refused() {
        let e = parse_roster_csv("name,phone\nA,1\n").unwrap_err();
        assert!(e.message.contains("no column for email"), "{}", e.message);
    }

    #[test]
    fn an_apostrophe_guarding_a_formula_cell_is_dropped_and_no_other() {
        let csv = "First Name,Last Name,Email,Phone,Address\r\n\
                   \"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",'-Berg,a@x.org,'+1 555 0100,'@home\r\n\
                   'Tis,O'Neil,b@x.org,''+1,'x\r\n\
                   Only,'=Two\r\n";
        let r = parse_roster_csv(csv).unwrap();
        assert_eq!(r.records[0]["firstName"], "=HYPERLINK(\"http://x\",\"y\")");
        assert_eq!(r.records[0]["lastName"], "-Berg");
        assert_eq!(r.records[0]["phone"], "+1 555 0100");
        assert_eq!(r.records[0]["address"], "@home");
        // Other apostrophes are data: before other characters, inside a value; of two before
        // a formula character, one is the guard (the value was `'+1`).
        assert_eq!(r.records[1]["firstName"], "'Tis");
        assert_eq!(r.records[1]["lastName"], "O'Neil");
        assert_eq!(r.records[1]["phone"], "'+1");
        assert_eq!(r.records[1]["address"], "'x");
        // An unusable row's cells are read the same way.
        assert_eq!(r.errors[0].record["lastName"], "=Two");
    }
}
