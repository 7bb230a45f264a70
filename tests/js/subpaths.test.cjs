// The sub-paths through CommonJS `require` (their CommonJS builds, so any Node that
// `engines` admits loads them, not only those with require(esm)): the same names as the ES
// module builds, and each works.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const { mkdtempSync, rmSync } = require("node:fs");
const { tmpdir } = require("node:os");
const { join } = require("node:path");

for (const sub of ["vomo-users/sim", "vomo-users/stores", "vomo-users/stores/file"]) {
  test(`require("${sub}") exports what import() does`, async () => {
    const cjs = require(sub);
    const esm = await import(sub);
    assert.deepEqual(Object.keys(cjs).filter((k) => k !== "__esModule").sort(), Object.keys(esm).sort());
    assert.ok(require.resolve(sub).endsWith(".cjs"), require.resolve(sub));
  });
}

test("require: FileStore and LocalStorageStore keep values; the simulator serves users", async (t) => {
  const { FileStore } = require("vomo-users/stores/file");
  const { LocalStorageStore } = require("vomo-users/stores");
  const { startSimulator } = require("vomo-users/sim");
  const dir = mkdtempSync(join(tmpdir(), "vomo-cjs-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const files = new FileStore(dir);
  await files.set("a/b", "1");
  assert.equal(await files.get("a/b"), "1");
  const map = new Map();
  const local = new LocalStorageStore({ getItem: (k) => map.get(k) ?? null, setItem: (k, v) => map.set(k, v), removeItem: (k) => map.delete(k) }, "p:");
  await local.set("k", "v");
  assert.equal(await local.get("k"), "v");
  assert.deepEqual([...map.keys()], ["p:k"]);
  const sim = await startSimulator({ port: 0, users: 4 });
  t.after(() => sim.close());
  const res = await fetch(`${sim.url}/users`, { headers: { authorization: `Bearer ${sim.token}` } });
  assert.equal(res.status, 200);
  assert.equal((await res.json()).meta.total, 4);
});
