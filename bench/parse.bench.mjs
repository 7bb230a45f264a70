// `npm run bench`: the package's .wasm size (raw and gzipped) and parseUserPage throughput on
// a generated 10,000-user corpus in the live wire format, beside a bare JSON.parse and a plain
// JS normalizer of the same texts in the same process. Prints figures; asserts nothing.
import { readFileSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import { gzipSync } from "node:zlib";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
if (!existsSync(join(root, "pkg/index.cjs"))) {
  console.error("pkg/ is missing: run `npm run build` first");
  process.exit(1);
}
const { parseUserPage } = createRequire(import.meta.url)(join(root, "pkg/index.cjs"));

// --- size -------------------------------------------------------------------------------
console.log("wasm size");
for (const rel of ["pkg/web/vomo_users_bg.wasm"]) { // the one .wasm every entry loads
  const bytes = readFileSync(join(root, rel));
  const gz = gzipSync(bytes, { level: 9 }).length;
  console.log(`  ${rel.padEnd(30)} ${(bytes.length / 1024).toFixed(1).padStart(7)} KiB raw  ${(gz / 1024).toFixed(1).padStart(6)} KiB gzip`);
}

import { texts, USERS, jsNormalize, measure, totalBytes } from "./lib/corpus.mjs";

const check = texts.map((t) => parseUserPage(t));
const parsedUsers = check.reduce((n, p) => n + p.data.length, 0), warned = check.reduce((n, p) => n + p.warnings.length, 0);
console.log(`\ncorpus: ${USERS} users in ${texts.length} page texts, ${(totalBytes / 1e6).toFixed(2)} MB (parseUserPage kept ${parsedUsers} users, ${warned} warnings)`);
const results = {
  "JSON.parse (bare)": measure((t) => JSON.parse(t)),
  "JS normalizer": measure(jsNormalize),
  "parseUserPage (wasm)": measure(parseUserPage),
};
for (const [name, r] of Object.entries(results)) {
  console.log(`  ${name.padEnd(22)} ${r.mbps.toFixed(1).padStart(7)} MB/s  ${Math.round(r.usersps).toLocaleString("en").padStart(10)} users/s  ${r.ms.toFixed(1).padStart(7)} ms/corpus`);
}
const wasm = results["parseUserPage (wasm)"];
console.log(`\nparseUserPage / JSON.parse:    ${(wasm.mbps / results["JSON.parse (bare)"].mbps).toFixed(2)}x`);
console.log(`parseUserPage / JS normalizer: ${(wasm.mbps / results["JS normalizer"].mbps).toFixed(2)}x`);
