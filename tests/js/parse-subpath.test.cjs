// `vomo-users/parse` through CommonJS `require` (its own CommonJS build, with the parse-only
// .wasm instantiated synchronously): the same names as `import`, one module for both, and
// the same objects and errors as the main entry.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const { readFileSync } = require("node:fs");
const { dirname, join, relative } = require("node:path");

const repo = process.env.VOMO_REPO || join(__dirname, "../..");
const fixture = (name) => readFileSync(join(repo, "tests/fixtures", name), "utf8");

test('require("vomo-users/parse"): its own CommonJS entry, no init needed, the names import() gives', async () => {
  const parse = require("vomo-users/parse");
  const pkgDir = dirname(require.resolve("vomo-users/package.json"));
  assert.equal(relative(pkgDir, require.resolve("vomo-users/parse")), join("parse", "index.cjs"));
  assert.deepEqual(Object.keys(parse).filter((k) => k !== "__esModule").sort(),
    ["VomoError", "default", "init", "parseUser", "parseUserDetail", "parseUserPage"]);
  const esm = await import("vomo-users/parse");
  assert.equal(esm.VomoError, parse.VomoError, "import and require share one module");
  assert.equal(esm.parseUserPage, parse.parseUserPage);
  assert.equal(await parse.init(), undefined);
});

test("require: the same objects as the main entry, and VomoError(parse) with the JSON path that passes both classes", () => {
  const parse = require("vomo-users/parse"), main = require("vomo-users");
  assert.deepEqual(parse.parseUserPage(fixture("list_page_spec_example.json")), main.parseUserPage(fixture("list_page_spec_example.json")));
  assert.equal(parse.parseUserPage(fixture("list_page_spec_example.json")).data[1].id, 12346);
  assert.deepEqual(parse.parseUserDetail(fixture("upsert_200_doc_example.json")), main.parseUserDetail(fixture("upsert_200_doc_example.json")));
  const raw = { id: "3", email: "A@b.org", first_name: "A", last_name: "B", created_at: "2025-01-01T00:00:00Z", updated_at: "2025-01-02T00:00:00Z" };
  assert.deepEqual(parse.parseUser(raw), main.parseUser(raw));
  const expected = (() => { try { main.parseUserDetail({ data: { id: 1 } }); } catch (e) { return e; } })();
  assert.throws(() => parse.parseUserDetail({ data: { id: 1 } }), (e) => e instanceof main.VomoError && e instanceof parse.VomoError &&
    e instanceof Error && e.kind === "parse" && /data\.email/.test(e.message) && e.message === expected.message);
  assert.ok(expected instanceof parse.VomoError);
});
