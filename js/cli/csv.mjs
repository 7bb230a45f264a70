// Writing CSV (the failed rows of an import). RFC 4180 quoting is four lines, so no library.

// A value that begins with =, +, - or @ (after any apostrophes) gets an apostrophe before it:
// a spreadsheet would run it as a formula (CSV injection, `=HYPERLINK(...)` in a name), and
// shows it as text this way; parseRosterCsv drops that one apostrophe again, so the file
// still reads back as the roster it came from (src/roster_csv.rs, `without_formula_guard`).
const FORMULA = /^'*[=+\-@]/;

const cell = (v) => {
  const s = v == null ? "" : FORMULA.test(String(v)) ? `'${v}` : String(v);
  return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** CSV text of `header` and `rows` (arrays of cells), CRLF line ends as spreadsheets expect. */
export function toCsv(header, rows) {
  return [header, ...rows].map((row) => row.map(cell).join(",")).join("\r\n") + "\r\n";
}
