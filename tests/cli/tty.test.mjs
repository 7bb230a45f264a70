// On a terminal (a pseudo-terminal from util-linux `script`): colors, and import's progress
// bar with an ETA redrawn in place; with NO_COLOR no color codes at all. (The other CLI tests
// check that output to pipes has no escape codes.)
import test from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { BIN, baseEnv, world } from "./helpers.mjs";

// eslint-disable-next-line no-control-regex
const SGR_COLOR = /\x1b\[[0-9;]*m/;
const quote = (s) => `'${s.replace(/'/g, "'\\''")}'`;

/** Runs `vomo-users args` with stdin, stdout and stderr on a pseudo-terminal; its output (both streams). */
async function onTerminal(args, env) {
  const command = [BIN, ...args].map(quote).join(" ");
  const { stdout } = await promisify(execFile)("script", ["-qec", command, "/dev/null"],
    { env: baseEnv({ TERM: "xterm-256color", COLUMNS: "100", ...env }) });
  return stdout;
}

test("list on a terminal has colors; with NO_COLOR it has none", async (t) => {
  const { env } = await world(t, { users: 3 });
  const colored = await onTerminal(["list", "--rate", "500"], env);
  assert.match(colored, SGR_COLOR);
  assert.ok(!colored.includes(env.VOMO_TOKEN));
  const plain = await onTerminal(["list", "--rate", "500"], { ...env, NO_COLOR: "1" });
  assert.doesNotMatch(plain, SGR_COLOR);
  assert.match(plain, /3 users/);
  // An empty NO_COLOR does not count (no-color.org; docs/cli.md): colors as without it.
  assert.match(await onTerminal(["list", "--rate", "500"], { ...env, NO_COLOR: "" }), SGR_COLOR);
});

test("import on a terminal draws a progress bar with ETA in place; NO_COLOR keeps the bar without colors", async (t) => {
  const { env, dir } = await world(t, { users: 3 });
  const file = join(dir, "r.csv");
  await writeFile(file, "First Name,Last Name,Email\n" + Array.from({ length: 12 }, (_, i) => `A${i},B${i},t${i}@example.org\n`).join(""));
  const out = await onTerminal(["import", file, "--state-dir", join(dir, "s1"), "--rate", "20"], env);
  assert.match(out, /\r\x1b\[2K\[/, "the line is redrawn in place");
  assert.match(out.replace(new RegExp(SGR_COLOR, "g"), ""), /\[#+\] +12\/12 100% {2}created 12, updated 0, failed 0 {2}done/);
  assert.match(out, /ETA \d+:\d\d/);
  assert.match(out, SGR_COLOR);
  assert.doesNotMatch(out, /^progress: /m, "no plain progress lines on a terminal");

  await writeFile(file, "First Name,Last Name,Email\n" + Array.from({ length: 12 }, (_, i) => `C${i},D${i},u${i}@example.org\n`).join(""));
  const plain = await onTerminal(["import", file, "--state-dir", join(dir, "s2"), "--rate", "20"], { ...env, NO_COLOR: "1" });
  assert.match(plain, /\[#+\] +12\/12 100%/);
  const widths = [...plain.matchAll(/\[([#-]+)\]/g)].map((m) => m[1].length);
  assert.ok(widths.length >= 2 && widths.every((w) => w === widths[0]), `one bar width: ${widths}`);
  assert.doesNotMatch(plain, SGR_COLOR);
});

test("on a narrow terminal every redraw of the progress line fits in it (a wrapped line could not be redrawn)", async (t) => {
  const { env, dir } = await world(t, { users: 3 });
  const file = join(dir, "r.csv");
  await writeFile(file, "First Name,Last Name,Email\n" + Array.from({ length: 12 }, (_, i) => `E${i},F${i},w${i}@example.org\n`).join(""));
  for (const cols of [80, 60, 40]) {
    const command = `stty cols ${cols}; ${[BIN, "import", file, "--state-dir", join(dir, `n${cols}`), "--rate", "20"].map(quote).join(" ")}`;
    const { stdout } = await promisify(execFile)("script", ["-qec", command, "/dev/null"], { env: baseEnv({ TERM: "xterm-256color", ...env }) });
    const redraws = stdout.split("\r\x1b[2K").slice(1).map((l) => l.split(/\r?\n/)[0].replace(new RegExp(SGR_COLOR, "g"), ""));
    assert.ok(redraws.length >= 2, `${cols}: ${JSON.stringify(stdout.slice(0, 200))}`);
    for (const line of redraws) assert.ok(line.length < cols, `${cols} columns: ${line.length}: ${line}`);
    assert.ok(redraws.some((l) => l.includes("12/12")), `${cols}: the count stays`);
  }
});

test("import --verbose on a terminal: each request line comes over the progress bar (erased first), not glued to it, and the bar is drawn again below", async (t) => {
  const { env, dir } = await world(t, { users: 3 });
  const file = join(dir, "r.csv");
  await writeFile(file, "First Name,Last Name,Email\n" + Array.from({ length: 12 }, (_, i) => `G${i},H${i},x${i}@example.org\n`).join(""));
  const out = (await onTerminal(["import", file, "--state-dir", join(dir, "s"), "--rate", "20", "--verbose"], { ...env, NO_COLOR: "1" })).replace(/\r\n/g, "\n");
  const lines = out.split("\n");
  const requests = lines.filter((l) => l.includes("request: "));
  // What a terminal shows of each such line: the text after its last erase. The first is the
  // new state directory's one page before binding (docs/cli.md).
  const shownText = requests.map((l) => l.split("\r\x1b[2K").at(-1));
  assert.match(shownText[0], /^request: GET \/v1\/users: 200 in \d+ ms$/);
  assert.equal(shownText.length, 13, out);
  for (const l of shownText.slice(1)) assert.match(l, /^request: POST \/v1\/users: 201 in \d+ ms$/, JSON.stringify(l));
  assert.ok(requests.some((l) => /\[#*-*\]/.test(l)), "at least one came while the bar was drawn");
  assert.match(lines.find((l) => /12\/12 100%/.test(l)).split("\r\x1b[2K").at(-1), /^\[#+\] +12\/12 100% {2}created 12, updated 0, failed 0 {2}done$/);
});
