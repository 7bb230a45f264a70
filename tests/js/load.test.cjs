// The installed package loads through CJS `require` with no init call.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const { readFileSync } = require("node:fs");
const { join, resolve } = require("node:path");

const repo = process.env.VOMO_REPO || resolve(__dirname, "../..");
const names = JSON.parse(readFileSync(join(repo, "js/public-names.json"), "utf8"));

test("CJS: require works with no init and exports every public name", () => {
  const vomo = require("vomo-users");
  for (const name of names) assert.equal(typeof vomo[name], "function", name);
  assert.equal(typeof vomo.VomoError, "function");
  assert.equal(typeof vomo.default, "function");
  const page = vomo.parseUserPage(readFileSync(join(repo, "tests/fixtures/list_page_spec_example.json"), "utf8"));
  assert.equal(page.data[1].id, 12346);
});

test("CJS: errors are VomoError instances", () => {
  const { parseUserPage, VomoError } = require("vomo-users");
  assert.throws(() => parseUserPage("nope"), (e) => e instanceof VomoError && e instanceof Error && e.kind === "parse");
});
