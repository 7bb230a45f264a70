import test from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { createRequire } from "node:module";
import { VomoError, parseUserPage, parseUserDetail } from "vomo-users";

function caught(fn) {
  try { fn(); } catch (e) { return e; }
  assert.fail("did not throw");
}

test("malformed input throws VomoError(parse) with kind/status/retryable/fields", () => {
  const e = caught(() => parseUserDetail("{}"));
  assert.ok(e instanceof VomoError);
  assert.ok(e instanceof Error);
  assert.equal(e.name, "VomoError");
  assert.equal(e.kind, "parse");
  assert.equal(e.status, null);
  assert.equal(e.retryable, false);
  assert.equal(e.fields, null);
  assert.match(e.message, /data/);
});

test("the message names the JSON path", () => {
  assert.match(caught(() => parseUserPage("not json")).message, /^\$/);
  assert.match(caught(() => parseUserPage({ links: {} })).message, /data/);
  assert.match(caught(() => parseUserDetail({ data: { id: 1 } })).message, /data\.email/);
  assert.match(caught(() => parseUserDetail({ data: { id: "x", email: "a@b.org" } })).message, /data\.id/);
});

test("the class is constructible and computes retryable from kind", () => {
  const e = new VomoError("rate_limited", "slow down", { status: 429 });
  assert.equal(e.retryable, true);
  assert.equal(e.status, 429);
  assert.equal(new VomoError("validation", "bad", { status: 422, fields: { email: ["taken"] } }).fields.email[0], "taken");
  assert.equal(new VomoError("auth", "no").retryable, false);
  assert.equal(new VomoError("auth", "no").retryAfterMs, null);
  assert.equal(new VomoError("busy", "later", { retryAfterMs: 5000 }).retryAfterMs, 5000);
});

test("printed as VomoError, whichever build made it: its class keeps its name through the package's bundling (Node prints an error by its constructor's name)", async () => {
  const { KvStore } = await import("vomo-users/stores"); // a copy of the class of its own
  const fromStores = caught(() => new KvStore({ get() {}, put() {} }, { prefx: "a:" }));
  assert.ok(fromStores instanceof VomoError);
  for (const Class of [VomoError, createRequire(import.meta.url)("vomo-users").VomoError, fromStores.constructor]) {
    assert.equal(Class.name, "VomoError");
    const e = new Class("server", "boom");
    assert.match(inspect(e).split("\n")[0], /^VomoError: boom/);
  }
  assert.match(inspect(caught(() => parseUserDetail("{}"))).split("\n")[0], /^VomoError: /);
});
