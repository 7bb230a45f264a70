// The installed package loads through ESM `import` with no init call.
import test from "node:test";
import assert from "node:assert/strict";
import init, * as vomo from "vomo-users";
import { publicNames, LIST_PAGE } from "./helpers.mjs";

test("ESM: every public name is exported, usable without init", () => {
  for (const name of publicNames()) assert.equal(typeof vomo[name], "function", name);
  assert.equal(typeof vomo.VomoError, "function");
  assert.equal(vomo.parseUserPage(LIST_PAGE()).data.length, 2);
});

test("ESM: default init() exists and is a no-op promise in Node", async () => {
  assert.equal(typeof init, "function");
  assert.equal(await init(), undefined);
});

test("ESM and CJS share one VomoError class", async () => {
  const { createRequire } = await import("node:module");
  const cjs = createRequire(import.meta.url)("vomo-users");
  assert.equal(cjs.VomoError, vomo.VomoError);
});

test("package.json is exported and names the package", async () => {
  const { createRequire } = await import("node:module");
  const meta = createRequire(import.meta.url)("vomo-users/package.json");
  assert.equal(meta.name, "vomo-users");
});
