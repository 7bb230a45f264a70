// Whole-process figures: the .wasm size, Node cold start (import + first call) beside a
// process that only parses JSON, and memory while listing many users and over many polls.
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

/** A .wasm of the package (the main one unless `file`), raw and gzip -9: bytes and KiB. */
export function wasmSize(pkgDir, file = "web/vomo_users_bg.wasm") {
  const bytes = readFileSync(join(pkgDir, file));
  const gzip = gzipSync(bytes, { level: 9 }).length;
  return { rawBytes: bytes.length, gzipBytes: gzip, rawKiB: bytes.length / 1024, gzipKiB: gzip / 1024 };
}

function wallMs(args, node = process.execPath) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(node, args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`cold start: ${r.stderr}`);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** Over `pairs` rounds of alternating spawns, the fastest of each (the least disturbed by a
 *  busy machine): for each of `entries` (package files: the main Node ES module entry
 *  "index.mjs", "parse/index.mjs"), import + parseUserPage, and JSON.parse only; every
 *  round spawns each once, so all see the same machine. `{ plainMs, [entry]: { pkgMs, extraMs } }`.
 *  `node`: the Node.js binary spawned (this process's unless given). */
export function coldStart(pkgDir, pageText, pairs = 5, entries = ["index.mjs"], node = process.execPath) {
  const dir = mkdtempSync(join(tmpdir(), "vomo-cold-"));
  const page = join(dir, "page.json");
  writeFileSync(page, pageText);
  const withPkg = (entry) => ["--input-type=module", "-e",
    `import { readFileSync } from "node:fs"; const { parseUserPage } = await import(${JSON.stringify(join(pkgDir, entry))}); parseUserPage(readFileSync(${JSON.stringify(page)}, "utf8"));`];
  const plain = ["--input-type=module", "-e", `import { readFileSync } from "node:fs"; JSON.parse(readFileSync(${JSON.stringify(page)}, "utf8"));`];
  const times = new Map(entries.map((e) => [e, []])), plainTimes = [];
  for (let i = 0; i < pairs; i++) {
    for (const entry of entries) times.get(entry).push(wallMs(withPkg(entry), node));
    plainTimes.push(wallMs(plain, node));
  }
  const plainMs = Math.min(...plainTimes);
  const out = { plainMs };
  for (const [entry, xs] of times) out[entry] = { pkgMs: Math.min(...xs), extraMs: Math.min(...xs) - plainMs };
  return out;
}

/** Heap and wasm memory over `polls` polls of one UserPoller (each with a loadHealth() and a
 *  reconcile()) of a `users`-user simulator, in a child process of its own. */
export async function pollingMemory(pkgDir, sim, polls, users = 30) {
  await sim.reset({ users, seed: 7 });
  const child = fileURLToPath(new URL("./polling-memory-child.mjs", import.meta.url));
  const r = spawnSync(process.execPath, ["--expose-gc", child, pkgDir, sim.url, sim.token, String(polls)], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`polling memory: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").at(-1));
}

/** Heap after a full GC while `listUsers()` streams every user of the simulator, in a child
 *  process of its own: MB at 10% of the listing and at its end. */
export async function listingMemory(pkgDir, sim, users) {
  await sim.reset({ users, seed: 7 });
  const child = fileURLToPath(new URL("./memory-child.mjs", import.meta.url));
  const r = spawnSync(process.execPath, ["--expose-gc", child, join(pkgDir, "index.mjs"), sim.url, sim.token, String(users)], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`memory: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").at(-1));
}
