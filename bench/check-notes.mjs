// The perf-bench-smoke layer's check of what `npm run bench -- --only ...` writes: a partial
// run into a copy of BENCHMARKS.md replaces its own rows of the table and leaves every other
// row where it was, and the notes it writes (bench/table.mjs's NOTES) are the ones
// BENCHMARKS.md holds, so the notes beside the code and in the file cannot drift apart.
//   node bench/check-notes.mjs      (needs pkg/: it measures the `size` group only)
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { BEGIN, section, tableRows as rows } from "./lib/table-text.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const file = join(root, "BENCHMARKS.md");
const copy = join(mkdtempSync(join(tmpdir(), "vomo-bench-")), "BENCHMARKS.md");
copyFileSync(file, copy);
execFileSync(process.execPath, [join(root, "bench/table.mjs"), "--smoke", "--only", "size", "--out", copy], { stdio: ["ignore", "ignore", "inherit"] });

const notes = (text) => section(text).slice(section(text).indexOf("Notes (issue 15):"));
const before = readFileSync(file, "utf8"), after = readFileSync(copy, "utf8");
const problems = [];
const group = (row) => /--only (\w+)/.exec(row)?.[1];
const [a, b] = [rows(before), rows(after)];
if (a.length !== b.length) problems.push(`the table had ${a.length} rows and has ${b.length} after \`--only size\``);
a.forEach((row, i) => {
  if (group(b[i]) !== group(row)) problems.push(`row ${i + 1} was of group ${group(row)} and is of ${group(b[i])}`);
  else if (group(row) !== "size" && b[i] !== row) problems.push(`row ${i + 1} (${group(row)}) changed though only size ran`);
});
if (notes(before) !== notes(after)) {
  const x = notes(before).split("\n"), y = notes(after).split("\n");
  const at = x.findIndex((l, i) => l !== y[i]);
  problems.push(`BENCHMARKS.md's notes are not bench/table.mjs's NOTES; first difference at notes line ${at + 1}:\n  file:  ${x[at]}\n  NOTES: ${y[at]}`);
}
if (before.slice(0, before.indexOf(BEGIN)) !== after.slice(0, after.indexOf(BEGIN))) problems.push("the text before the table changed");
if (problems.length) {
  console.error(`bench/check-notes.mjs:\n- ${problems.join("\n- ")}`);
  process.exit(1);
}
console.log(`bench/check-notes.mjs: a partial run kept the table's ${a.length} rows in place, and the notes match NOTES`);
