// `vomo-users/parse` (the parse-only .wasm) through ESM `import`, against the main entry on
// the same inputs: the same objects, the same errors, VomoError instances that pass
// `instanceof` either entry's class; a process that imports it loads none of the main
// build's files; and in one realm with both builds (a page, a Worker, a bundle: one copy of
// the façade's errors.mjs) a panic is reported by the build it happened in.
import test from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import * as main from "vomo-users";
import * as parse from "vomo-users/parse";
import { LIST_PAGE, UPSERT_200, rawUser } from "./helpers.mjs";

const require = createRequire(import.meta.url);
const pkgDir = dirname(require.resolve("vomo-users/package.json"));
const caught = (fn) => { try { fn(); } catch (e) { return e; } assert.fail("did not throw"); };

test("vomo-users/parse exports the parsers, VomoError and init; resolves to its own entry", async () => {
  assert.deepEqual(Object.keys(parse).sort(), ["VomoError", "default", "init", "parseUser", "parseUserDetail", "parseUserPage"]);
  assert.equal(await parse.default(), undefined, "init is a no-op promise in Node");
  assert.equal(relative(pkgDir, new URL(import.meta.resolve("vomo-users/parse")).pathname), join("parse", "index.mjs"));
});

test("same objects as the main entry on the same inputs", () => {
  const page = JSON.parse(LIST_PAGE());
  page.data.push({ id: "not-a-number", email: "x@y.org" }, { id: 5, first_name: "É", last_name: "日本", email: "e@x.org",
    created_at: "2025-11-04T08:00:00.123456+02:00", updated_at: "2025-11-04T08:00:00Z", gender: "f", user_status: "NEW" });
  const inputs = [
    ["parseUserPage", LIST_PAGE()], ["parseUserPage", page], ["parseUserPage", `\u{feff}${JSON.stringify(page)}`],
    ["parseUserDetail", UPSERT_200()], ["parseUserDetail", { data: [JSON.parse(UPSERT_200()).data] }],
    ["parseUser", rawUser({ id: "7", phone: "" })], ["parseUser", JSON.stringify(rawUser())],
  ];
  for (const [fn, input] of inputs) {
    const got = parse[fn](input);
    assert.deepEqual(got, main[fn](input), fn);
    assert.ok(got.data?.length ?? got.id, `${fn} returned something: ${JSON.stringify(got)}`);
  }
  assert.ok(parse.parseUserPage(page).warnings.some((w) => w.startsWith("data[2]")));
});

test("bad input: VomoError kind parse naming the JSON path, instanceof the main entry's VomoError and back", () => {
  const cases = [
    ["parseUserPage", "not json", /^\$/], ["parseUserPage", { links: {} }, /data/],
    ["parseUserDetail", { data: { id: 1 } }, /data\.email/], ["parseUserDetail", { data: { id: "x", email: "a@b.org" } }, /data\.id/],
    ["parseUser", { email: "a@b.org" }, /id/], ["parseUserPage", undefined, /no body given/],
    // Not JSON at all (a bare TypeError before): a Symbol, a function, a circular structure, a BigInt.
    ["parseUser", Symbol("x"), /parseUser: a symbol is not a body/], ["parseUserDetail", () => 1, /parseUserDetail: a function is not a body/],
    ["parseUserPage", (() => { const o = { data: [] }; o.self = o; return o; })(), /parseUserPage: the body given is not JSON \(.*circular/],
    ["parseUser", { id: 1n }, /parseUser: the body given is not JSON \(.*BigInt/],
  ];
  for (const [fn, input, path] of cases) {
    const e = caught(() => parse[fn](input)), expected = caught(() => main[fn](input));
    assert.ok(e instanceof main.VomoError, `${fn}: instanceof the main VomoError`);
    assert.ok(e instanceof parse.VomoError && e instanceof Error);
    assert.ok(expected instanceof parse.VomoError, "the main entry's errors pass the sub-path's class too");
    assert.deepEqual({ name: e.name, kind: e.kind, message: e.message, status: e.status, retryable: e.retryable, fields: e.fields },
      { name: "VomoError", kind: "parse", message: expected.message, status: null, retryable: false, fields: null });
    assert.match(e.message, path);
  }
  // Errors made in JS classify retryable kinds by the Rust core's rule, as the main entry's do.
  for (const kind of ["network", "timeout", "rate_limited", "server", "parse", "auth"]) {
    assert.equal(new parse.VomoError(kind, "x").retryable, new main.VomoError(kind, "x").retryable, kind);
  }
});

test("a Rust panic in the parse-only build is a VomoError of kind internal with its message", async () => {
  const api = require("vomo-users/parse"); // its CommonJS exports carry the test hook
  const e = await api[Symbol.for("vomo-users.testPanic")]("boom-parse").then(() => assert.fail("resolved"), (err) => err);
  assert.ok(e instanceof main.VomoError);
  assert.equal(e.kind, "internal");
  assert.match(e.message, /boom-parse/);
});

test("a process that imports vomo-users/parse and parses loads only the parse-only files", () => {
  // Every file read and every module loaded, from a child process that only parses.
  const script = `
    import { createRequire } from "node:module";
    import fs from "node:fs";
    const read = [], readFileSync = fs.readFileSync;
    fs.readFileSync = (file, ...rest) => { read.push(String(file)); return readFileSync(file, ...rest); };
    const { parseUserPage } = await import("vomo-users/parse");
    const page = parseUserPage(${JSON.stringify(LIST_PAGE())});
    const loaded = Object.keys(createRequire(import.meta.url).cache);
    console.log(JSON.stringify({ ids: page.data.map((u) => u.id), read, loaded }));`;
  const out = spawnSync(process.execPath, ["--input-type=module", "-e", script], { cwd: process.cwd(), encoding: "utf8" });
  assert.equal(out.status, 0, out.stderr);
  const { ids, read, loaded } = JSON.parse(out.stdout);
  assert.deepEqual(ids, [12345, 12346]);
  const inPkg = (files) => files.filter((f) => f.startsWith(pkgDir)).map((f) => relative(pkgDir, f)).sort();
  assert.deepEqual(inPkg(read).filter((f) => f.endsWith(".wasm")), [join("parse", "web", "vomo_users_parse_bg.wasm")]);
  assert.deepEqual(inPkg(loaded), [join("parse", "facade.cjs"), join("parse", "index.cjs"), join("parse", "web", "vomo_users_parse.cjs")]);
});

test("one realm with both builds (one façade): each panic is reported by its own build; a parse panic rejects no client call", () => {
  // What a page, a Worker or an ES module bundle does when it imports both entries: the two
  // façades share facade/errors.mjs. The main façade is built first, as the parse one then
  // used to take the panic watch over. In a child process: a trapped wasm leaves its timers.
  const at = (file) => JSON.stringify(pathToFileURL(join(pkgDir, file)).href);
  const script = `
    import { readFileSync } from "node:fs";
    import * as mainGlue from ${at("web/vomo_users.mjs")};
    import * as parseGlue from ${at("parse/web/vomo_users_parse.mjs")};
    import { createApi } from ${at("facade/index.mjs")};
    import { createParseApi } from ${at("facade/parse.mjs")};
    mainGlue.initSync({ module: readFileSync(new URL(${at("web/vomo_users_bg.wasm")})) });
    parseGlue.initSync({ module: readFileSync(new URL(${at("parse/web/vomo_users_parse_bg.wasm")})) });
    const full = createApi(mainGlue), parsing = createParseApi(parseGlue);
    // No uncaughtException handler: the trap inside the main build's async task is caught by its task runner.
    const out = { sameClass: full.VomoError === parsing.VomoError,
      samePage: JSON.stringify(parsing.parseUserPage(${JSON.stringify(LIST_PAGE())})) === JSON.stringify(full.parseUserPage(${JSON.stringify(LIST_PAGE())})) };
    // A client call that waits (a slow rate against a closed port): it must outlive the parse panic.
    const client = new full.VomoClient({ token: "t", baseUrl: "http://127.0.0.1:59/v1", requestsPerSecond: 0.01, maxRetries: 0 });
    client.getUser(1).catch(() => {}); // takes the throttle's slot now
    let waiting = "pending";
    const pending = client.getUser(2).then(() => { waiting = "resolved"; }, (e) => { waiting = { kind: e.kind, message: e.message }; });
    const describe = (e) => ({ kind: e.kind, message: e.message, isVomo: e instanceof full.VomoError });
    out.parsePanic = await parsing[Symbol.for("vomo-users.testPanic")]("boom-parse").then(() => "resolved", describe);
    await new Promise((ok) => setImmediate(ok));
    out.afterParsePanic = waiting;
    out.mainPanic = await full[Symbol.for("vomo-users.testPanic")]("boom-main", true).then(() => "resolved", describe);
    await pending;
    out.afterMainPanic = waiting;
    console.log(JSON.stringify(out));
    process.exit(0);`;
  const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", timeout: 30_000 });
  assert.equal(run.status, 0, run.stderr);
  const out = JSON.parse(run.stdout.trim().split("\n").at(-1));
  assert.equal(out.sameClass, true, "one class in one realm");
  assert.equal(out.samePage, true);
  assert.equal(out.parsePanic.kind, "internal");
  assert.equal(out.parsePanic.isVomo, true);
  assert.match(out.parsePanic.message, /boom-parse/);
  assert.equal(out.afterParsePanic, "pending", "the parse-only build's panic left the client's calls alone");
  assert.equal(out.mainPanic.kind, "internal");
  assert.match(out.mainPanic.message, /boom-main/);
  assert.equal(out.afterMainPanic.kind, "internal", "the main build's panic rejects its calls still waiting");
  assert.match(out.afterMainPanic.message, /boom-main/);
});
