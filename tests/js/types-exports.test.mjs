// What each entry point exports at run time is what its declarations say it exports as a
// value, in both module systems: `import` (index.d.mts) and `require` (index.d.ts). A name
// exported but undeclared cannot be used from TypeScript; one declared but missing compiles
// and then fails at run time. The declared names come from the TypeScript compiler's own
// view of the installed package (NodeNext resolution, as a user's project resolves it).
import test from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { repoRequire } from "./helpers.mjs";

const ts = repoRequire("typescript");
const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url)); // next to the installed package
const { exports: map } = require("vomo-users/package.json");
// The JS entry points (the .wasm files are exported as files, for bundlers and workerd).
const entries = Object.keys(map).filter((k) => k !== "./package.json" && !k.includes("*") && !k.endsWith(".wasm")).map((k) => `vomo-users${k.slice(1)}`);

/** The value names each specifier's declarations export, as a `.mts` (import) or `.cts` (require) file sees them. */
function declaredValues(kind) {
  const dir = mkdtempSync(join(here, "exports-"));
  try {
    const file = join(dir, `probe.${kind === "import" ? "mts" : "cts"}`);
    writeFileSync(file, entries.map((e, i) => kind === "import" ? `import * as m${i} from "${e}";` : `import m${i} = require("${e}");`).join("\n") + "\n");
    const program = ts.createProgram([file], { strict: true, noEmit: true, module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, lib: ["lib.es2022.d.ts", "lib.dom.d.ts"], types: [] });
    const checker = program.getTypeChecker();
    const source = program.getSourceFile(file);
    const errors = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    assert.deepEqual(errors, [], `${kind}: the probe compiles`);
    const out = {};
    source.statements.forEach((s, i) => {
      const spec = kind === "import" ? s.moduleSpecifier : s.moduleReference.expression;
      const module = checker.getSymbolAtLocation(spec);
      assert.ok(module, `${entries[i]}: declarations found`);
      const names = checker.getExportsOfModule(module).filter((sym) => {
        const target = sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : sym;
        return (target.flags & ts.SymbolFlags.Value) !== 0;
      }).map((sym) => sym.escapedName === "export=" ? "export=" : String(sym.escapedName));
      out[entries[i]] = names.sort();
    });
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const runtimeNames = (m) => Object.keys(m).filter((k) => k !== "__esModule" && k !== "module.exports").sort();

/** `{ entry: { undeclared, missing } }` for the entries whose two lists differ. */
function differences(declared, runtime) {
  const out = {};
  for (const e of entries) {
    const undeclared = runtime[e].filter((n) => !declared[e].includes(n));
    const missing = declared[e].filter((n) => !runtime[e].includes(n));
    if (undeclared.length || missing.length) out[e] = { undeclared, missing };
  }
  return out;
}

test("import: every entry point's run-time exports are its declared value exports", async () => {
  const runtime = {};
  for (const e of entries) runtime[e] = runtimeNames(await import(e));
  assert.ok(runtime["vomo-users"].includes("VomoClient") && runtime["vomo-users/sim"].includes("startSimulator"));
  assert.deepEqual(differences(declaredValues("import"), runtime), {});
});

test("require: every entry point's run-time exports are its declared value exports", () => {
  const runtime = Object.fromEntries(entries.map((e) => [e, runtimeNames(require(e))]));
  assert.ok(runtime["vomo-users"].includes("VomoClient") && runtime["vomo-users/sim"].includes("startSimulator"));
  assert.deepEqual(differences(declaredValues("require"), runtime), {});
});

test("the declarations compile with @types/node and no \"dom\" lib, as docs/bundlers.md says they do", () => {
  // init()'s input names WebAssembly.Module, which @types/node does not declare; the
  // declarations fall back to any object there (`WasmModule`).
  const dir = mkdtempSync(join(here, "node-types-"));
  try {
    writeFileSync(join(dir, "probe.mts"), `
import init, { VomoClient, UserPoller, MemoryStore, policy, type WasmModule } from "vomo-users";
import { parseUserPage } from "vomo-users/parse";
import { FileStore } from "vomo-users/stores/file";
import { createSimulator } from "vomo-users/sim";
import { readFileSync } from "node:fs";
await init(readFileSync("vomo_users_bg.wasm"));
await init(new URL("file:///x.wasm"));
const m: WasmModule = {};
console.log(m, VomoClient, UserPoller, MemoryStore, policy().version, parseUserPage, FileStore, createSimulator().origin);
`);
    const program = ts.createProgram([join(dir, "probe.mts")], { strict: true, noEmit: true, skipLibCheck: false,
      module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022,
      lib: ["lib.es2022.d.ts"], types: ["node"], typeRoots: [repoRequire.resolve("@types/node/package.json").replace(/[\\/]node[\\/]package\.json$/, "")] });
    const errors = ts.getPreEmitDiagnostics(program).map((d) => `${d.file?.fileName ?? ""}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
    assert.deepEqual(errors, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
