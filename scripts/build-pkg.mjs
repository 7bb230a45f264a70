// Builds the npm package into pkg/: the wasm twice through wasm-pack (a nodejs and a web
// target; cargo builds once), then the JS entries, façade, types and simulator around it.
import { execFileSync } from "node:child_process";
import { cpSync, readFileSync, renameSync, rmSync, writeFileSync, readdirSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { buildSync } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const finalPkg = join(root, "pkg");
// Build next to pkg/ and swap at the end, so a build never leaves a half-built pkg/ behind.
const pkg = join(root, ".pkg-build");
const profile = process.argv.includes("--dev") ? "--dev" : "--release";

function run(cmd, args) {
  console.error(`$ ${cmd} ${args.join(" ")}`);
  execFileSync(cmd, args, { cwd: root, stdio: "inherit" });
}

rmSync(pkg, { recursive: true, force: true });
for (const target of ["nodejs", "web"]) {
  const out = join(pkg, target === "nodejs" ? "node" : "web");
  run("wasm-pack", ["build", profile, "--target", target, "--out-dir", out, "--out-name", "vomo_users", "--no-pack"]);
  for (const stray of [".gitignore", "package.json", "README.md"]) rmSync(join(out, stray), { force: true });
}

const names = JSON.parse(readFileSync(join(root, "js/public-names.json"), "utf8"));
const entries = join(root, "js/entries");
for (const file of readdirSync(entries)) {
  const text = readFileSync(join(entries, file), "utf8").replace("/* @PUBLIC_NAMES@ */", names.join(", "));
  writeFileSync(join(pkg, file), text);
}
cpSync(join(root, "js/facade"), join(pkg, "facade"), { recursive: true });
buildSync({ entryPoints: [join(root, "js/facade/index.mjs")], outfile: join(pkg, "facade.cjs"), bundle: true,
  format: "cjs", platform: "neutral", logLevel: "warning" });
cpSync(join(root, "js/index.d.ts"), join(pkg, "index.d.ts"));
// The same declarations as an ES module for `moduleResolution: NodeNext` importers.
cpSync(join(root, "js/index.d.ts"), join(pkg, "index.d.mts"));
cpSync(join(root, "sim"), join(pkg, "sim"), { recursive: true, filter: (src) => !src.includes(`${join("sim", "test")}`) });
cpSync(join(root, "js/stores"), join(pkg, "stores"), { recursive: true });
cpSync(join(root, "README.md"), join(pkg, "README.md"));
// The docs travel with the package: README links resolve inside the tarball.
for (const doc of ["docs", "CHANGELOG.md"]) cpSync(join(root, doc), join(pkg, doc), { recursive: true });
const template = JSON.parse(readFileSync(join(root, "js/package.template.json"), "utf8"));
const version = readFileSync(join(root, "Cargo.toml"), "utf8").match(/^version = "(.+)"/m)[1];
writeFileSync(join(pkg, "package.json"), JSON.stringify({ ...template, version }, null, 2) + "\n");
rmSync(finalPkg, { recursive: true, force: true });
renameSync(pkg, finalPkg);
console.error(`built pkg/ (vomo-users ${version})`);
