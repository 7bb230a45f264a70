import test from "node:test";
import assert from "node:assert/strict";
import { parseUser } from "vomo-users";
import { LIST_PAGE, assertNoUndefined } from "./helpers.mjs";

test("one raw UserResource (object or text) -> User", () => {
  const raw = JSON.parse(LIST_PAGE()).data[1];
  const u = parseUser(raw);
  assert.equal(u.id, 12346);
  assert.equal(u.gender, "F");
  assert.equal(u.phone, null);
  assertNoUndefined(u);
  assert.deepEqual(parseUser(JSON.stringify(raw)), u);
  assert.equal("warnings" in u, false);
});

test("a user without an integer-like id or without email throws a parse error naming the field", () => {
  assert.throws(() => parseUser({ email: "a@b.org" }), (e) => e.kind === "parse" && /id/.test(e.message));
  assert.throws(() => parseUser({ id: 4 }), (e) => e.kind === "parse" && /email/.test(e.message));
});

// A User has no warnings list: what was coerced or unknown went nowhere (a page reports each).
const page = () => JSON.parse(LIST_PAGE());

test("parseUser's onWarning hears what the parser coerced or met unknown, each once, as parseUserPage reports it; a bad option is refused", async () => {
  const { parseUserPage } = await import("vomo-users");
  const raw = { ...page().data[0], first_name: ["A"], phone: true, user_status: "FROZEN", birthday: "1990-02-30" };
  const heard = [];
  const user = parseUser(raw, { onWarning: (w) => heard.push(w) });
  assert.deepEqual([user.firstName, user.phone, user.userStatus, user.birthday], ['["A"]', "true", "FROZEN", null]);
  const pageWarnings = parseUserPage({ ...page(), data: [raw] }).warnings.map((w) => w.replace(/^data\[0\]\./, ""));
  assert.ok(heard.length >= 4, heard.join("\n"));
  assert.deepEqual(heard, pageWarnings, "the same messages a page gives, without its data[i] prefix");
  assert.deepEqual(parseUser(raw), user, "without onWarning: the same user");
  assert.doesNotThrow(() => parseUser(raw, { onWarning: () => { throw new Error("a display that fails"); } }));
  // An async hook that rejects is no unhandled rejection (which ends a Node process).
  let unhandled = 0;
  const count = () => { unhandled++; };
  process.on("unhandledRejection", count);
  parseUser(raw, { onWarning: async () => { throw new Error("a log sink that is down"); } });
  await new Promise((r) => setImmediate(r)); // unhandledRejection is raised once the microtasks are done
  process.off("unhandledRejection", count);
  assert.equal(unhandled, 0);
  assert.throws(() => parseUser(raw, { onWarn: () => {} }), (e) => e.kind === "invalid_input" && /unknown option "onWarn"/.test(e.message));
  assert.throws(() => parseUser(raw, { onWarning: "log" }), (e) => e.kind === "invalid_input" && /onWarning must be a function/.test(e.message));
});

test("a body given as bytes (Uint8Array, Buffer, ArrayBuffer) is read as its UTF-8 text, a BOM dropped; it was stringified as {\"0\":123,...} (\"data: missing\")", async () => {
  const { parseUserPage, parseUserDetail } = await import("vomo-users");
  const text = JSON.stringify(page());
  const fromText = parseUserPage(text);
  const bytes = new TextEncoder().encode(`\ufeff${text}`);
  for (const body of [bytes, Buffer.from(bytes), bytes.buffer]) assert.deepEqual(parseUserPage(body), fromText);
  const one = JSON.stringify({ data: page().data[0] });
  assert.deepEqual(parseUserDetail(new TextEncoder().encode(one)), parseUserDetail(one));
  assert.deepEqual(parseUser(new TextEncoder().encode(JSON.stringify(page().data[0]))), parseUser(page().data[0]));
  // Differential against the platform's own reading: a BOM and a byte that is no UTF-8 in a
  // name, as Response.text() decodes them (U+FFFD), for every body form.
  const bad = Buffer.concat([Buffer.from("\ufeff"), Buffer.from(text.replace(/"first_name":"[^"]*"/, '"first_name":"Jos__"')).subarray(0)]);
  bad[bad.indexOf("Jos__") + 3] = 0xe9; // Latin-1 é: not UTF-8
  assert.deepEqual(parseUserPage(new Uint8Array(bad)), parseUserPage(await new Response(bad).text()));
  assert.equal(parseUserPage(bad).data[0].firstName, "Jos\ufffd_");
});
