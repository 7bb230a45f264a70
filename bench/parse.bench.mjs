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

// --- corpus -----------------------------------------------------------------------------
const USERS = 10_000, PER_PAGE = 15;
let seed = 0x9e3779b9;
const rand = () => ((seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32);
const pick = (xs) => xs[Math.floor(rand() * xs.length)];
const FIRST = ["Ana", "Bruce", "Chen", "Dana", "Emeka", "Fatima", "Gus", "Hana", "Ivan", "Jo"];
const LAST = ["Kyle", "Wayne", "Okafor", "Nguyen", "Silva", "Haddad", "Novak", "Berg"];
function stamp(ms) { // the mixed forms the live API sends
  const iso = new Date(ms).toISOString();
  return pick([iso.replace(".000Z", "+00:00").replace(/\.\d{3}Z$/, "+00:00"), iso,
    iso.replace("Z", "000Z"), iso.replace(/\.\d{3}Z$/, "Z")]);
}
function rawUser(i) {
  const first = pick(FIRST), last = pick(LAST), created = 1.7e12 + i * 3_600_000;
  return {
    type: "user", id: rand() < 0.2 ? String(1000 + i) : 1000 + i,
    first_name: first, last_name: last, full_name: `${first} ${last}`,
    email: `${first}.${last}.${i}@example.org`.toLowerCase(),
    address: rand() < 0.5 ? `${i} Main St, Springfield` : null,
    phone: rand() < 0.6 ? `(555) 01${i % 10}-${String(i).padStart(4, "0").slice(-4)}` : pick(["", null]),
    birthday: rand() < 0.5 ? `19${50 + (i % 50)}-0${1 + (i % 9)}-1${i % 10}` : null,
    gender: pick(["M", "F", "N", "m", "f", null]),
    created_at: stamp(created), updated_at: stamp(created + Math.floor(rand() * 9e8)),
    user_status: pick(["VERIFIED", "UNVERIFIED", "BANNED"]), membership_status: pick(["ACCEPTED", "PENDING"]),
    membership_role: pick(["VOLUNTEER", "VOLUNTEER", "ORGANIZER", "ADMIN"]),
  };
}
const texts = [];
const pages = Math.ceil(USERS / PER_PAGE);
for (let p = 1; p <= pages; p++) {
  const data = [];
  for (let i = (p - 1) * PER_PAGE; i < Math.min(p * PER_PAGE, USERS); i++) data.push(rawUser(i));
  const link = (n) => (n >= 1 && n <= pages ? `https://api.vomo.org/v1/users?page=${n}` : pick([null, "null"]));
  const num = (n) => (rand() < 0.3 ? String(n) : n);
  texts.push(JSON.stringify({
    data, links: { first: link(1), last: link(pages), prev: link(p - 1), next: link(p + 1) },
    meta: { current_page: num(p), from: num((p - 1) * PER_PAGE + 1), to: num((p - 1) * PER_PAGE + data.length),
      path: "https://api.vomo.org/v1/users", per_page: num(PER_PAGE), total: num(USERS) },
  }));
}
const check = texts.map((t) => parseUserPage(t));
const parsedUsers = check.reduce((n, p) => n + p.data.length, 0), warned = check.reduce((n, p) => n + p.warnings.length, 0);
const totalBytes = texts.reduce((n, t) => n + Buffer.byteLength(t), 0);

// --- a plain JS normalizer, for comparison (field mapping only, none of the validation) ---
const nul = (v) => (v === null || v === undefined || v === "" || v === "null" ? null : v);
const int = (v) => (v === null || v === undefined || v === "null" ? null : Number(v));
function jsNormalize(text) {
  const body = JSON.parse(text);
  return {
    data: body.data.map((u) => ({
      id: Number(u.id), firstName: u.first_name ?? "", lastName: u.last_name ?? "", fullName: u.full_name ?? "",
      email: u.email, phone: nul(u.phone), address: nul(u.address), birthday: nul(u.birthday),
      gender: u.gender ? u.gender.toUpperCase() : null,
      createdAt: new Date(u.created_at).toISOString(), updatedAt: new Date(u.updated_at).toISOString(),
      userStatus: nul(u.user_status), membershipStatus: nul(u.membership_status), membershipRole: nul(u.membership_role),
    })),
    links: { first: nul(body.links.first), last: nul(body.links.last), prev: nul(body.links.prev), next: nul(body.links.next) },
    meta: { currentPage: int(body.meta.current_page), from: int(body.meta.from), to: int(body.meta.to),
      path: nul(body.meta.path), perPage: int(body.meta.per_page), total: int(body.meta.total),
      lastPage: int(body.meta.last_page) },
    warnings: [],
  };
}

// --- throughput -------------------------------------------------------------------------
function measure(fn) {
  let sink = 0;
  for (const t of texts) sink += fn(t) ? 1 : 0; // warm-up
  let rounds = 0;
  const t0 = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < 1.5 || rounds < 3) {
    for (const t of texts) sink += fn(t) ? 1 : 0;
    rounds++;
    elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  }
  const perRound = elapsed / rounds;
  return { mbps: totalBytes / 1e6 / perRound, usersps: USERS / perRound, ms: perRound * 1e3, sink };
}
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
