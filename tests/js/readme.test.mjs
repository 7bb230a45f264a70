// The README's example runs as is against the installed package.
import test from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { repo } from "./helpers.mjs";

test("README: the client, poller and import example runs and prints what it says", () => {
  const readme = readFileSync(join(repo, "README.md"), "utf8");
  const block = readme.match(/```js\n(\/\/ node readme-example\.mjs[\s\S]*?)```/);
  assert.ok(block, "the example block is in the README");
  // Next to the installed package, so that "vomo-users" resolves as it does for a user.
  const file = join(process.cwd(), "readme-example.mjs");
  writeFileSync(file, block[1]);
  const out = execFileSync(process.execPath, [file], { encoding: "utf8" }).trim().split("\n");
  assert.equal(out.at(-1), "60 " + out.at(-1).split(" ")[1] + " true true 60 1 invalid_input false");
  assert.ok(out.includes("2/2"), "progress reached done == total");
});

test("README: the vomo-users/parse example runs and prints its `// -> ` lines", () => {
  const readme = readFileSync(join(repo, "README.md"), "utf8");
  const block = readme.match(/```js\n(\/\/ node parse-example\.mjs[\s\S]*?)```/);
  assert.ok(block, "the example block is in the README");
  const file = join(process.cwd(), "parse-example.mjs");
  writeFileSync(file, block[1]);
  const out = execFileSync(process.execPath, [file], { encoding: "utf8" }).trimEnd().split("\n");
  const expected = [...block[1].matchAll(/\/\/ -> (.*)$/gm)].map((m) => m[1]);
  assert.equal(expected.length, 3);
  assert.deepEqual(out, expected);
});
