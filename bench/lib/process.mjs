// Whole-process figures: the .wasm size, Node cold start (import + first call) beside a
// process that only parses JSON, and memory while listing many users.
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

export function wasmSize(pkgDir) {
  const bytes = readFileSync(join(pkgDir, "web/vomo_users_bg.wasm"));
  return { rawKiB: bytes.length / 1024, gzipKiB: gzipSync(bytes, { level: 9 }).length / 1024 };
}

function wallMs(args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`cold start: ${r.stderr}`);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** Median over `pairs` alternating spawns: import + parseUserPage vs JSON.parse only. */
export function coldStart(pkgDir, pageText, pairs = 5) {
  const dir = mkdtempSync(join(tmpdir(), "vomo-cold-"));
  const page = join(dir, "page.json");
  writeFileSync(page, pageText);
  const pkgIndex = join(pkgDir, "index.mjs");
  const withPkg = ["--input-type=module", "-e",
    `import { readFileSync } from "node:fs"; const { parseUserPage } = await import(${JSON.stringify(pkgIndex)}); parseUserPage(readFileSync(${JSON.stringify(page)}, "utf8"));`];
  const plain = ["--input-type=module", "-e", `import { readFileSync } from "node:fs"; JSON.parse(readFileSync(${JSON.stringify(page)}, "utf8"));`];
  const a = [], b = [];
  for (let i = 0; i < pairs; i++) { a.push(wallMs(withPkg)); b.push(wallMs(plain)); }
  const med = (xs) => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  return { pkgMs: med(a), plainMs: med(b), extraMs: med(a) - med(b) };
}

/** Heap while `listUsers()` streams every user of the simulator: MB at 10% and at the end. */
export async function listingMemory(api, sim, users) {
  await sim.reset({ users, seed: 7 });
  const client = new api.VomoClient({ token: sim.token, baseUrl: sim.url, requestsPerSecond: 100_000 });
  let n = 0, early = null;
  globalThis.gc?.();
  for await (const user of client.listUsers()) {
    if (user.id > 0) n++;
    if (n === Math.floor(users / 10)) early = process.memoryUsage().heapUsed;
  }
  const end = process.memoryUsage().heapUsed;
  return { users: n, earlyMB: early / 1048576, endMB: end / 1048576, growthMB: (end - early) / 1048576 };
}
