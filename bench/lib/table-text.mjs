// Where BENCHMARKS.md keeps `npm run bench`'s table: between two markers, its rows from the
// header row to the first line that is not a row (the notes below it hold tables of their own).
// bench/table.mjs merges a partial run's rows by it; bench/check-notes.mjs checks that merge.

export const BEGIN = "<!-- bench:begin -->", END = "<!-- bench:end -->";

/** The text between the markers ("" when they are missing). */
export function section(text) {
  const a = text.indexOf(BEGIN), b = text.indexOf(END);
  return a >= 0 && b > a ? text.slice(a + BEGIN.length, b) : "";
}

/** The table's rows (not its header or separator) in `text`, the file or its section. */
export function tableRows(text) {
  const lines = section(text).split("\n"), top = lines.findIndex((l) => l.startsWith("| figure"));
  if (top < 0) return [];
  const end = lines.findIndex((l, i) => i > top && !l.startsWith("| "));
  return lines.slice(top + 2, end < 0 ? undefined : end);
}
