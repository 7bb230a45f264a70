// Where the Node entries and the browser entry (which some bundlers hand to Node) find the
// .wasm, and what a user is told when it is not there. Each case runs in a child process over
// a copy of the installed package, so that files can be removed from it.
import test from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { LIST_PAGE } from "./helpers.mjs";

const installed = dirname(createRequire(import.meta.url).resolve("vomo-users/package.json"));

/** A copy of the installed package in a fresh folder, less `remove` (paths inside it). */
function packageCopy(t, remove = []) {
  const root = mkdtempSync(join(tmpdir(), "vomo-wasm-location-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const dir = join(root, "node_modules", "vomo-users");
  cpSync(installed, dir, { recursive: true });
  for (const file of remove) rmSync(join(dir, file));
  return { root, dir };
}

/** Runs an ES module script in `cwd`; returns what it printed last, parsed. */
function runScript(cwd, script) {
  const out = spawnSync(process.execPath, ["--input-type=module", "-e", script], { cwd, encoding: "utf8" });
  assert.equal(out.status, 0, out.stderr);
  return JSON.parse(out.stdout.trim().split("\n").at(-1));
}

// What the scripts below report of a failure.
const DESCRIBE = `const describe = (e) => ({ vomo: e?.name === "VomoError", kind: e?.kind, message: e?.message, cause: e?.cause?.code ?? null });`;
const PAGE = LIST_PAGE();

for (const [entry, file] of [["vomo-users", "web/vomo_users_bg.wasm"], ["vomo-users/parse", "parse/web/vomo_users_parse_bg.wasm"]]) {
  test(`${entry} in Node with its .wasm missing: loading succeeds, each call and init() say where it was looked for, init(bytes) mends it`, (t) => {
    const { root, dir } = packageCopy(t, [file]);
    const result = runScript(root, `
      import { createRequire } from "node:module";
      import { readFileSync } from "node:fs";
      ${DESCRIBE}
      const out = {};
      for (const [how, load] of [["require", () => createRequire(process.cwd() + "/")(${JSON.stringify(entry)})], ["import", () => import(${JSON.stringify(entry)})]]) {
        const api = await load();
        const r = out[how] = {};
        try { api.parseUserPage(${JSON.stringify(PAGE)}); r.call = "no error"; } catch (e) { r.call = describe(e); }
        try { await (api.default ?? api.init)(); r.init = "no error"; } catch (e) { r.init = describe(e); }
      }
      const api = createRequire(process.cwd() + "/")(${JSON.stringify(entry)});
      try { await api.init(42); } catch (e) { out.wrongInput = describe(e); }
      // A retry loop over wrong places: each rejection names the entry's own place and that try alone.
      out.retries = [];
      for (const p of ["/nope/a.wasm", "/nope/b.wasm", "/nope/c.wasm"]) {
        try { await api.init(p); } catch (e) { out.retries.push(describe(e)); }
      }
      await api.init(readFileSync(${JSON.stringify(join(installed, file))}));
      out.after = api.parseUserPage(${JSON.stringify(PAGE)}).data.map((u) => u.id);
      console.log(JSON.stringify(out));`);
    const path = join(dir, file);
    for (const how of ["require", "import"]) {
      for (const what of ["call", "init"]) {
        const r = result[how][what];
        assert.equal(r.vomo, true, `${how} ${what}: ${JSON.stringify(r)}`);
        assert.equal(r.kind, "not_found", `${how} ${what}`);
        assert.equal(r.cause, "ENOENT");
        assert.ok(r.message.startsWith(`${entry} could not load its .wasm (tried ${path}: ENOENT); copy the package's ${file} to that place, `), r.message);
        assert.match(r.message, /docs\/bundlers\.md/);
      }
    }
    // index.mjs looked next to itself as well: the same file, named once.
    assert.equal(result.import.call.message.split(path).length - 1, 1, result.import.call.message);
    assert.equal(result.wrongInput.kind, "invalid_input");
    assert.match(result.wrongInput.message, /init\(\) takes the \.wasm's bytes, a WebAssembly\.Module, a path, a file: URL, a Response or a Request \(got number\)/);
    assert.deepEqual(result.after, [12345, 12346]);
    for (const [i, r] of result.retries.entries()) {
      const tried = /\(tried (.*?)\); /.exec(r.message)?.[1];
      assert.equal(tried, `${path}: ENOENT; /nope/${"abc"[i]}.wasm: ENOENT`, r.message);
      assert.equal(r.kind, "not_found");
    }
  });
}

test("vomo-users in Node with its .wasm missing: init() takes a Response or a Request too, as the declarations (one text for every runtime) say", (t) => {
  const { root } = packageCopy(t, ["web/vomo_users_bg.wasm"]);
  const result = runScript(root, `
    import { createRequire } from "node:module";
    import { readFileSync } from "node:fs";
    ${DESCRIBE}
    const bytes = readFileSync(${JSON.stringify(join(installed, "web/vomo_users_bg.wasm"))});
    const out = {};
    const api = createRequire(process.cwd() + "/")("vomo-users");
    // A body that is not a wasm module: the load fails, and says where it came from.
    try { await api.init(new Response("<h1>Not Found</h1>", { status: 404 })); } catch (e) { out.bad = describe(e); }
    const esm = await import("vomo-users");
    out.named = esm.init === esm.default && api.init === api.default;
    await esm.init(new Request("data:application/wasm;base64," + bytes.toString("base64")));
    out.after = api.parseUserPage(${JSON.stringify(PAGE)}).data.map((u) => u.id);
    console.log(JSON.stringify(out));`);
  assert.equal(result.bad.vomo, true, JSON.stringify(result.bad));
  assert.match(result.bad.message, /could not load its \.wasm \(tried .*; init\(\) argument: WebAssembly\.Module\(\): /, "a Response made in code has no url: named as the argument");
  assert.equal(result.named, true, "init is also a named export, in both module systems");
  assert.deepEqual(result.after, [12345, 12346], "loaded from a Request's body");
});

test("vomo-users in Node with its .wasm present: init() resolves, and init(input) is ignored once loaded", (t) => {
  const { root } = packageCopy(t);
  const result = runScript(root, `
    const api = await import("vomo-users");
    console.log(JSON.stringify({ init: await api.default(), ignored: await api.default(42), ids: api.parseUserPage(${JSON.stringify(PAGE)}).data.map((u) => u.id) }));`);
  assert.deepEqual(result, { ids: [12345, 12346] });
});

test("the browser entry in Node (as Parcel builds for Node): init() reads the .wasm from its file: URL; missing, it is not_found", (t) => {
  const { root, dir } = packageCopy(t);
  const script = `
    ${DESCRIBE}
    const api = await import(${JSON.stringify(join(dir, "browser.mjs"))});
    const out = {};
    try { api.parseUserPage(${JSON.stringify(PAGE)}); } catch (e) { out.before = describe(e).kind; }
    try { await api.default(); out.ids = api.parseUserPage(${JSON.stringify(PAGE)}).data.map((u) => u.id); } catch (e) { out.init = describe(e); }
    console.log(JSON.stringify(out));`;
  assert.deepEqual(runScript(root, script), { before: "invalid_input", ids: [12345, 12346] });
  rmSync(join(dir, "web/vomo_users_bg.wasm"));
  const missing = runScript(root, script);
  assert.equal(missing.init.kind, "not_found");
  assert.equal(missing.init.cause, "ENOENT");
  assert.ok(missing.init.message.startsWith(`vomo-users could not read its .wasm from file://${dir}/web/vomo_users_bg.wasm: ENOENT`), missing.init.message);
});
