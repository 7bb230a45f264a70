// Builds the npm package into pkg/. The wasm is built ONCE per build of the crate
// (wasm-pack's web target, one `web/vomo_users_bg.wasm` for every entry): browsers fetch
// it, workerd imports it as a module, and the Node entries read it from the file and
// instantiate it synchronously (`initSync`). The second, parse-only build (the crate
// without its `full` feature, `parse/web/vomo_users_parse_bg.wasm`, built alongside) is
// the same for the `vomo-users/parse` entries. Around them: the JS entries, the façade, the types, the
// simulator and stores, with CommonJS builds of the ES module sub-paths.
import { execFileSync, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, readdirSync } from "node:fs";
import { join, dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { guardTaskTraps } from "./task-trap-guard.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
// From a fresh clone, install what the build needs first (idempotent, fast when done).
const onPath = (cmd) => process.env.PATH.split(":").some((dir) => dir && existsSync(join(dir, cmd)));
if (!existsSync(join(root, "node_modules/esbuild")) || !onPath("wasm-pack")) {
  execFileSync("bash", [join(root, "scripts/setup.sh")], { cwd: root, stdio: "inherit" });
}
const { buildSync } = await import("esbuild");

const finalPkg = join(root, "pkg");
// Build next to pkg/ and swap at the end, so a build never leaves a half-built pkg/ behind.
const pkg = join(root, ".pkg-build");
const profile = process.argv.includes("--dev") ? "--dev" : "--release";

function run(cmd, args) {
  console.error(`$ ${cmd} ${args.join(" ")}`);
  execFileSync(cmd, args, { cwd: root, stdio: "inherit" });
}

rmSync(pkg, { recursive: true, force: true });
/** One wasm-pack build of the crate (the wasm-opt flags come from Cargo.toml's metadata),
 *  run in the background; resolves when done, with its output (printed by the caller). */
function wasmPack(outDir, outName, { cargoArgs = [], env = {} } = {}) {
  const args = ["build", profile, "--target", "web", "--out-dir", outDir, "--out-name", outName, "--no-pack",
    ...(cargoArgs.length ? ["--", ...cargoArgs] : [])];
  return new Promise((resolve, reject) => {
    const child = spawn("wasm-pack", args, { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let output = `$ wasm-pack ${args.join(" ")}\n`;
    child.stdout.on("data", (d) => { output += d; });
    child.stderr.on("data", (d) => { output += d; });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) { process.stderr.write(output); reject(new Error(`wasm-pack exited with ${code} (${outName})`)); return; }
      for (const stray of [".gitignore", "package.json", "README.md", `${outName}.d.ts`, `${outName}_bg.wasm.d.ts`]) {
        rmSync(join(outDir, stray), { force: true });
      }
      // The glue is an ES module in a "type": "commonjs" package: .mjs says so to Node and webpack.
      renameSync(join(outDir, `${outName}.js`), join(outDir, `${outName}.mjs`));
      resolve(output);
    });
  });
}
const web = join(pkg, "web");
// The two builds run side by side: the parse-only one (`vomo-users/parse`: models and parsers
// only, as src/lib.rs and src/glue/mod.rs gate the rest) in a target directory of its own, so
// that neither overwrites the other's target/…/vomo_users.wasm nor recompiles the crate for
// the other's features on the next build. Both turn on the crate's `js` feature: the
// `#[wasm_bindgen]` exports the façade calls, which Rust apps that depend on the crate leave off.
// The main target directory is made before both start: cargo makes a missing target
// directory by renaming a fresh temporary one into place, and on a fresh clone the main
// build's rename replaced the (still empty) target/ the parse build had just made to hold its
// own temporary target/parse… directory ("No such file or directory … target/parse7KViqb").
const targetDir = resolve(root, process.env.CARGO_TARGET_DIR ?? "target"); // cargo reads it from the cwd, root
mkdirSync(targetDir, { recursive: true });
const builds = await Promise.allSettled([
  wasmPack(web, "vomo_users", { cargoArgs: ["--features", "js"] }),
  wasmPack(join(pkg, "parse", "web"), "vomo_users_parse", { cargoArgs: ["--no-default-features", "--features", "js"],
    env: { CARGO_TARGET_DIR: join(targetDir, "parse") } }),
]);
for (const b of builds) if (b.status === "fulfilled") process.stderr.write(b.value);
for (const b of builds) if (b.status === "rejected") throw b.reason;
guardTaskTraps(join(web, "vomo_users.mjs")); // the parse-only build has no async tasks

const names = JSON.parse(readFileSync(join(root, "js/public-names.json"), "utf8"));
const entries = join(root, "js/entries");
for (const file of readdirSync(entries, { recursive: true })) {
  if (!/\.[cm]js$/.test(file)) continue; // entries/parse/ itself
  const text = readFileSync(join(entries, file), "utf8").replace("/* @PUBLIC_NAMES@ */", names.join(", "));
  writeFileSync(join(pkg, file), text);
}
cpSync(join(root, "js/facade"), join(pkg, "facade"), { recursive: true });
cpSync(join(root, "sim"), join(pkg, "sim"), { recursive: true, filter: (src) => !src.includes(`${join("sim", "test")}`) });
cpSync(join(root, "js/stores"), join(pkg, "stores"), { recursive: true });
cpSync(join(root, "js/cli"), join(pkg, "cli"), { recursive: true }); // the vomo-users command (bin)

// CommonJS builds, so `require` works on every Node version `engines` admits: the web glue
// and the façade for index.cjs (which loads the wasm itself), and each ES module sub-path.
// Each begins by taking TextEncoder and TextDecoder from node:util when the globals lack them:
// Jest's jsdom environment is Node with a page's globals, and jsdom has neither.
const nodeTextCodecs = 'var { TextEncoder, TextDecoder } = typeof globalThis.TextEncoder === "function" && ' +
  'typeof globalThis.TextDecoder === "function" ? globalThis : require("node:util");';
const cjs = (entry, outfile) => buildSync({ entryPoints: [join(pkg, entry)], outfile: join(pkg, outfile),
  bundle: true, format: "cjs", platform: "node", target: "node20", logLevel: "warning", banner: { js: nodeTextCodecs },
  // The web glue's default `new URL(…, import.meta.url)` path is never taken in Node (initSync).
  logOverride: { "empty-import-meta": "silent" } });
cjs("web/vomo_users.mjs", "web/vomo_users.cjs");
cjs("facade/index.mjs", "facade.cjs");
cjs("parse/web/vomo_users_parse.mjs", "parse/web/vomo_users_parse.cjs");
cjs("facade/parse.mjs", "parse/facade.cjs");
cjs("sim/index.mjs", "sim/index.cjs");
cjs("stores/index.mjs", "stores/index.cjs");
cjs("stores/file.mjs", "stores/file.cjs");

// Declarations, one text per entry under each name a resolver looks for: .d.mts for
// `import`, .d.cts / .d.ts for `require`, and .d.ts next to the file for TypeScript's
// `moduleResolution: node10` (the default of `module: commonjs`), which ignores `exports`.
cpSync(join(root, "js/index.d.ts"), join(pkg, "index.d.ts"));
cpSync(join(root, "js/index.d.ts"), join(pkg, "index.d.mts"));
// vomo-users/parse re-exports the main declarations: from index.d.ts for `require`, from
// index.d.mts for `import`.
const parseTypes = readFileSync(join(root, "js/parse.d.ts"), "utf8");
writeFileSync(join(pkg, "parse/index.d.ts"), parseTypes);
writeFileSync(join(pkg, "parse/index.d.mts"), parseTypes.replaceAll('from "../index.js"', 'from "../index.mjs"'));
for (const dts of ["sim/index.d.mts", "stores/index.d.mts", "stores/file.d.mts"]) {
  for (const ext of [".d.cts", ".d.ts"]) cpSync(join(pkg, dts), join(pkg, dts.replace(/\.d\.mts$/, ext)));
}
// For resolvers that ignore `exports` (Parcel unless its `packageExports` is on): the
// `vomo-users/parse` folder names its entries as the package's own fields do (`main` for
// require, `module` the browser entry, which also runs in Node), and keeps `sideEffects`,
// which webpack reads from the nearest package.json.
writeFileSync(join(pkg, "parse/package.json"), JSON.stringify({ main: "./index.cjs", module: "./browser.mjs",
  types: "./index.d.ts", sideEffects: false }, null, 2) + "\n");
const template = JSON.parse(readFileSync(join(root, "js/package.template.json"), "utf8"));
const version = readFileSync(join(root, "Cargo.toml"), "utf8").match(/^version = "(.+)"/m)[1];
// The docs travel with the package. The README is the npm page, where a relative link has no
// repository to resolve against: its links to the shipped docs point at this very version's
// files on unpkg (which serves the published tarball). docs/*.md keep relative links, which
// resolve inside the tarball and on unpkg alike.
const shipped = `https://unpkg.com/vomo-users@${version}/`;
const readme = readFileSync(join(root, "README.md"), "utf8").split(/(```[\s\S]*?```)/g)
  .map((part, i) => (i % 2 ? part : part.replace(/\]\((?![a-z]+:|#)([^)\s]+)\)/gi, (_, target) => `](${shipped}${target})`)))
  .join("");
writeFileSync(join(pkg, "README.md"), readme);
for (const doc of ["docs", "CHANGELOG.md", "BENCHMARKS.md"]) cpSync(join(root, doc), join(pkg, doc), { recursive: true });
writeFileSync(join(pkg, "package.json"), JSON.stringify({ ...template, version }, null, 2) + "\n");
rmSync(finalPkg, { recursive: true, force: true });
renameSync(pkg, finalPkg);
console.error(`built pkg/ (vomo-users ${version})`);
