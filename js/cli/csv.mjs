// Writing CSV (the failed rows of an import). RFC 4180 quoting is four lines, so no library.

const cell = (v) => {
  const s = v == null ? "" : String(v);
  return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** CSV text of `header` and `rows` (arrays of cells), CRLF line ends as spreadsheets expect. */
export function toCsv(header, rows) {
  return [header, ...rows].map((row) => row.map(cell).join(",")).join("\r\n") + "\r\n";
}
