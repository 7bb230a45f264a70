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

test("each .wasm is compiled and instantiated once per process, whichever of import and require comes first", async () => {
  const { spawnSync } = await import("node:child_process");
  // In a child process: every WebAssembly.Module and Instance counted by the bytes' size (the
  // main and the parse-only .wasm differ), then all four entries loaded in the given order
  // and each used once.
  const run = (order) => {
    const script = `
      import { createRequire } from "node:module";
      const require = createRequire(process.cwd() + "/");
      const counts = {};
      const count = (what, key) => { counts[what + " " + key] = (counts[what + " " + key] ?? 0) + 1; };
      const { Module, Instance } = WebAssembly;
      const sizes = new WeakMap();
      WebAssembly.Module = new Proxy(Module, { construct(t, [bytes]) { const m = new t(bytes); sizes.set(m, bytes.byteLength); count("Module", bytes.byteLength); return m; } });
      WebAssembly.Instance = new Proxy(Instance, { construct(t, [m, imports]) { count("Instance", sizes.get(m)); return new t(m, imports); } });
      const load = { cjs: () => require("vomo-users"), mjs: () => import("vomo-users"),
        "parse-cjs": () => require("vomo-users/parse"), "parse-mjs": () => import("vomo-users/parse") };
      const page = ${JSON.stringify(JSON.stringify({ data: [], links: {}, meta: { current_page: 1, per_page: 15, total: 0 } }))};
      for (const name of ${JSON.stringify(order)}) {
        const api = await load[name]();
        if (api.parseUserPage(page).data.length !== 0) throw new Error(name);
      }
      console.log(JSON.stringify(counts));`;
    const out = spawnSync(process.execPath, ["--input-type=module", "-e", script], { cwd: process.cwd(), encoding: "utf8" });
    assert.equal(out.status, 0, out.stderr);
    return JSON.parse(out.stdout);
  };
  for (const order of [["cjs", "mjs", "parse-cjs", "parse-mjs"], ["mjs", "cjs", "parse-mjs", "parse-cjs"]]) {
    const counts = run(order);
    const values = Object.entries(counts);
    assert.equal(values.filter(([k]) => k.startsWith("Module")).length, 2, `two .wasm files, ${JSON.stringify(counts)}`);
    for (const [what, n] of values) assert.equal(n, 1, `${what} in order ${order}: ${JSON.stringify(counts)}`);
  }
});
