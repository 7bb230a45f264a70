// The parse corpus and its yardsticks: a generated 10,000-user corpus in the live wire
// format (page texts), a plain JS normalizer in the style of the API docs' examples (field
// mapping only, none of the validation), and a throughput loop.
// --- corpus -----------------------------------------------------------------------------
export const USERS = 10_000, PER_PAGE = 15;
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
export const texts = [];
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

// --- a plain JS normalizer, for comparison (field mapping only, none of the validation) ---
const nul = (v) => (v === null || v === undefined || v === "" || v === "null" ? null : v);
const int = (v) => (v === null || v === undefined || v === "null" ? null : Number(v));
export function jsNormalize(text) {
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

export function measure(fn, minSeconds = 1.5) {
  let sink = 0;
  for (const t of texts) sink += fn(t) ? 1 : 0; // warm-up
  let rounds = 0;
  const t0 = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < minSeconds || rounds < 3) {
    for (const t of texts) sink += fn(t) ? 1 : 0;
    rounds++;
    elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  }
  const perRound = elapsed / rounds;
  return { mbps: totalBytes / 1e6 / perRound, usersps: USERS / perRound, ms: perRound * 1e3, sink };
}

export const totalBytes = texts.reduce((n, t) => n + Buffer.byteLength(t), 0);
