// The packed tarball under the two package linters users and registries trust:
// @arethetypeswrong/cli (types match what each entry really exports, in every TypeScript
// resolution mode) and publint (exports, conditions, files). Both must report nothing.
import test from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { repo, repoRequire } from "../js/helpers.mjs";

const run = promisify(execFile);

async function packedTarball(t) {
  const dir = mkdtempSync(join(tmpdir(), "vomo-lint-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { stdout } = await run("npm", ["pack", join(repo, "pkg"), "--pack-destination", dir, "--silent"]);
  return join(dir, stdout.trim().split("\n").at(-1));
}

test("attw: no problem in any resolution mode (node10, node16 CJS and ESM, bundler)", async (t) => {
  const tgz = await packedTarball(t);
  const attw = join(repoRequire.resolve("@arethetypeswrong/cli/package.json"), "../dist/index.js");
  // The .wasm sub-paths are assets for bundlers and build scripts, not modules to type.
  const { stdout } = await run(process.execPath, [attw, tgz, "--format", "json",
    "--exclude-entrypoints", "./web/vomo_users_bg.wasm", "./parse/web/vomo_users_parse_bg.wasm"],
    { maxBuffer: 64 << 20 }).catch((e) => e);
  const report = JSON.parse(stdout);
  assert.deepEqual(report.analysis.problems, [], JSON.stringify(report.analysis.problems, null, 2));
  const entries = Object.keys(report.analysis.entrypoints).sort();
  assert.deepEqual(entries, [".", "./package.json", "./parse", "./sim", "./stores", "./stores/file"]);
});

test("publint: no error, warning or suggestion", async (t) => {
  const tgz = await packedTarball(t);
  const { publint } = await import(repoRequire.resolve("publint"));
  const bytes = readFileSync(tgz);
  const tarball = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const { messages } = await publint({ pack: { tarball }, strict: true, level: "suggestion" });
  assert.deepEqual(messages, []);
});

test("the tarball holds exactly two .wasm files: the main one and vomo-users/parse's", async () => {
  const { stdout } = await run("npm", ["pack", join(repo, "pkg"), "--dry-run", "--json"], { maxBuffer: 16 << 20 });
  const files = JSON.parse(stdout)[0].files.map((f) => f.path);
  assert.deepEqual(files.filter((f) => f.endsWith(".wasm")).sort(), ["parse/web/vomo_users_parse_bg.wasm", "web/vomo_users_bg.wasm"]);
});
