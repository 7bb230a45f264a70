// Seeded, deterministic data set: users (eager, cheap) plus participations and profile
// field values (generated lazily per user from (seed, id) the first time they are needed).
import { rng, hash, pick, int, pad, toSecond, formFor, formatTs } from "./util.mjs";

const FIRST = [
  "Bruce", "Diana", "Clark", "Selina", "Barbara", "Alfred", "Lucius", "Harvey", "Pamela", "Victor",
  "Maria", "James", "Linda", "Robert", "Patricia", "Michael", "Jennifer", "William", "Elizabeth",
  "David", "Susan", "Richard", "Jessica", "Joseph", "Sarah", "Thomas", "Karen", "Charles", "Nancy",
  "Christopher", "Lisa", "Daniel", "Betty", "Matthew", "Margaret", "Anthony", "Sandra", "Mark",
  "Ashley", "Donald", "Kimberly", "Steven", "Emily", "Paul", "Donna", "Andrew", "Michelle", "Joshua",
  "Carol", "Kenneth", "Amanda", "Kevin", "Melissa", "Brian", "Deborah", "George", "Stephanie",
  "Wayne", "Rebecca", "Edward", "Sharon", "Ronald", "Laura", "Timothy", "Cynthia", "Jason", "Kathleen",
  "José", "Zoë", "Siobhan", "Nguyen", "Aaliyah", "Mateo", "Priya", "Chen", "Olufemi", "Ingrid",
];
const LAST = [
  "Wayne", "Prince", "Kent", "Kyle", "Gordon", "Pennyworth", "Fox", "Dent", "Isley", "Stone",
  "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
  "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore",
  "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez",
  "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen",
  "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell",
  "O'Brien", "McDonald", "Van der Berg", "Okafor", "Schmidt", "Kowalski", "Johansson", "Patel",
];
const STREETS = [
  "Main", "Oak", "Pine", "Maple", "Cedar", "Elm", "Washington", "Lake", "Hill", "Park", "Walnut",
  "Sunset", "Railroad", "Church", "Willow", "Mill", "River", "Highland", "Jackson", "Center",
];
const SUFFIX = ["St", "Ave", "Blvd", "Rd", "Ln", "Dr", "Ct", "Way"];
const CITIES = [
  ["Springfield", "IL", "627"], ["Riverside", "CA", "925"], ["Franklin", "TN", "370"],
  ["Greenville", "SC", "296"], ["Madison", "WI", "537"], ["Georgetown", "TX", "786"],
  ["Salem", "OR", "973"], ["Fairview", "NJ", "070"], ["Clinton", "IA", "527"],
  ["Arlington", "VA", "222"], ["Gotham", "NY", "100"], ["Bristol", "CT", "060"],
];
const DOMAINS = ["example.com", "example.org", "example.net", "mail.example", "volunteers.example"];

export const PROFILE_FIELDS = [
  { field_id: 42, field_label: "T-shirt size", values: ["Small", "Medium", "Large", "X-Large", "XX-Large"] },
  { field_id: 43, field_label: "Dietary restrictions", values: ["None", "Vegetarian", "Vegan", "Gluten-free", "Nut allergy"] },
  { field_id: 44, field_label: "Emergency contact", values: null },
  { field_id: 45, field_label: "How did you hear about us?", values: ["Friend", "Church", "School", "Website", "Social media", "Employer"] },
  { field_id: 46, field_label: "Skills", values: ["First aid", "Spanish", "Carpentry", "Driving", "Cooking", "Tutoring"] },
];

const DAY = 86400000;
const PROJECT_DATES = 2400; // global pool of project dates spanning the data set's time range

export const UNKNOWN_ENUMS = [
  { user_status: "SUSPENDED" },
  { membership_role: "COORDINATOR" },
  { membership_status: "INVITED" },
];

function weighted(r, pairs) {
  let x = r();
  for (const [v, w] of pairs) {
    if ((x -= w) < 0) return v;
  }
  return pairs[pairs.length - 1][0];
}

export function fakePhone(r) {
  return `(555) 01${int(r, 0, 9)}-${pad(int(r, 0, 9999), 4)}`;
}

function fakeAddress(r) {
  const [city, st, zip] = pick(r, CITIES);
  return `${int(r, 1, 9899)} ${pick(r, STREETS)} ${pick(r, SUFFIX)}, ${city}, ${st} ${zip}${pad(int(r, 0, 99))}`;
}

function fakeBirthday(r) {
  const y = int(r, 1945, 2008);
  const m = int(r, 1, 12);
  const dim = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return `${y}-${pad(m)}-${pad(int(r, 1, dim))}`;
}

const asciiLocal = (s) =>
  s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[^A-Za-z]/g, "").toLowerCase();

/** Fill a new user record (used by seeding and createUser). */
export function fakeProfile(r, id) {
  const first_name = pick(r, FIRST);
  const last_name = pick(r, LAST);
  let local = `${asciiLocal(first_name)}.${asciiLocal(last_name)}${id}`;
  if (r() < 0.05) local = local[0].toUpperCase() + local.slice(1); // some mixed-case emails
  return {
    first_name,
    last_name,
    email: `${local}@${pick(r, DOMAINS)}`,
    address: r() < 0.12 ? null : fakeAddress(r),
    phone: r() < 0.1 ? null : fakePhone(r),
    birthday: r() < 0.08 ? null : fakeBirthday(r),
    gender: r() < 0.06 ? null : weighted(r, [["F", 0.49], ["M", 0.45], ["N", 0.06]]),
  };
}

/**
 * Generate `count` users relative to `now` (ms). Returns internal records in id order.
 * created_at spread over the past 2 years (ids grow with created_at); bulk-import groups
 * share one created_at (updated_at equal or a few seconds later); many users share an
 * updated_at with one of a few "batch update" moments.
 */
export function generateUsers(count, seed, now) {
  const r = rng(hash(seed, 1));
  const nowS = toSecond(now);
  const span = 730 * DAY;
  const start = nowS - span;
  // Cumulative exponential increments (uniform order statistics); bulk groups add 0.
  const inc = new Float64Array(count);
  const bulk = new Uint8Array(count);
  let total = 0;
  for (let i = 0; i < count; ) {
    if (i > 0 && r() < 0.012) {
      const size = Math.min(count - i, int(r, 5, 40));
      inc[i] = -Math.log(1 - r());
      total += inc[i];
      for (let k = 0; k < size; k++) bulk[i + k] = 1;
      i += size; // remaining members keep increment 0
    } else {
      inc[i] = -Math.log(1 - r());
      total += inc[i];
      i++;
    }
  }
  total += 1; // keep the last user strictly in the past
  // A handful of batch-update moments shared by many users.
  const moments = [];
  for (let k = 0; k < 14; k++) moments.push(toSecond(nowS - int(r, 0, 700) * DAY - int(r, 0, 86399) * 1000));
  moments.sort((a, b) => a - b);

  const users = new Array(count);
  let cum = 0;
  let id = 1000;
  for (let i = 0; i < count; i++) {
    cum += inc[i];
    id += r() < 0.04 ? int(r, 2, 6) : 1; // occasional gaps, as after old deletions
    const created = toSecond(start + (span * cum) / total);
    let updated;
    if (bulk[i]) {
      updated = Math.min(nowS, created + pick(r, [0, 0, 0, 1, 2, 3]) * 1000);
    } else {
      const x = r();
      if (x < 0.4) updated = created;
      else if (x < 0.72) updated = toSecond(created + r() * (nowS - created));
      else {
        const eligible = moments.filter((m) => m >= created);
        updated = eligible.length ? pick(r, eligible) : created;
      }
    }
    const p = fakeProfile(r, id);
    const unk = r() < 0.02 ? pick(r, UNKNOWN_ENUMS) : null;
    users[i] = {
      id,
      ...p,
      created_at: created,
      updated_at: updated,
      user_status: weighted(r, [["VERIFIED", 0.85], ["UNVERIFIED", 0.12], ["BANNED", 0.03]]),
      membership_status: weighted(r, [["ACCEPTED", 0.88], ["PENDING", 0.09], ["REJECTED", 0.03]]),
      membership_role: weighted(r, [["VOLUNTEER", 0.92], ["ORGANIZER", 0.06], ["ADMIN", 0.02]]),
      unk,
      form: formFor(id),
      parts: null, // lazily generated
      pfv: null, // lazily generated
      genCreated: created, // anchor for lazy generation
    };
  }
  return users;
}

/** Deterministic global project date idx -> { project_id, project_date_id, start, hours }. */
function projectDate(seed, idx, anchorNow) {
  const span = 760 * DAY;
  const start = Math.floor((anchorNow - 730 * DAY + (idx * span) / PROJECT_DATES) / 3600000) * 3600000;
  const h = hash(seed, idx, 77);
  return {
    project_id: 700 + (h % 40),
    project_date_id: 20000 + idx,
    start,
    hours: [2, 2.5, 3, 3, 4, 4, 4, 5.5, 6][h % 9],
  };
}

/** Lazily build a seeded user's participations (internal form, times in ms). */
export function generateParticipations(user, seed, anchorNow) {
  const r = rng(hash(seed, user.id, 2));
  if (r() < 0.3) return [];
  const n = int(r, 1, 6);
  const span = 760 * DAY;
  const base = anchorNow - 730 * DAY;
  const minIdx = Math.max(0, Math.ceil(((user.genCreated - base) * PROJECT_DATES) / span) + 1);
  const out = [];
  const seen = new Set();
  for (let k = 0; k < n * 3 && out.length < n; k++) {
    const idx = minIdx >= PROJECT_DATES ? PROJECT_DATES - 1 : int(r, minIdx, PROJECT_DATES - 1);
    if (seen.has(idx)) continue;
    seen.add(idx);
    const pd = projectDate(seed, idx, anchorNow);
    const past = pd.start + pd.hours * 3600000 < anchorNow;
    // Signed up 1-21 days before the shift; for a shift that far ahead, as long before the clock
    // (a sign-up after the clock was one from the future), and never before the user existed.
    const ago = int(r, 1, 21) * DAY + int(r, 0, 86399) * 1000;
    const at = pd.start - ago <= anchorNow ? pd.start - ago : anchorNow - ago;
    const signed = toSecond(Math.max(user.genCreated, at));
    const checkIn = past ? toSecond(pd.start + int(r, -15, 10) * 60000 + int(r, 0, 59) * 1000) : null;
    out.push({
      project_id: pd.project_id,
      project_date_id: pd.project_date_id,
      guests: r() < 0.85 ? 0 : int(r, 1, 3),
      signed_up_at: signed,
      checked_in_at: checkIn,
      checked_out_at: past ? checkIn + pd.hours * 3600000 : null,
      hours: past ? pd.hours : 0,
      verified: past ? r() < 0.85 : false,
      role: r() < 0.9 ? "Volunteer" : pick(r, ["Team Lead", "Driver", "Coordinator"]),
    });
  }
  out.sort((a, b) => a.signed_up_at - b.signed_up_at);
  return out;
}

export function generateProfileFields(user, seed) {
  const r = rng(hash(seed, user.id, 3));
  const out = [];
  for (const f of PROFILE_FIELDS) {
    if (r() < 0.4) continue;
    let value;
    if (r() < 0.1) value = null;
    else if (f.values) value = pick(r, f.values);
    else value = `${pick(r, FIRST)} ${fakePhone(r)}`;
    out.push({ field_id: f.field_id, field_label: f.field_label, value });
  }
  return out;
}

// ---------------------------------------------------------------- wire rendering

export function renderUser(u, q) {
  const form = q.mixedTimestamps ? u.form : 0;
  const unk = q.unknownEnums && u.unk ? u.unk : null;
  return {
    type: "user",
    id: u.id,
    first_name: u.first_name,
    last_name: u.last_name,
    full_name: `${u.first_name} ${u.last_name}`.trim(),
    email: u.email,
    address: u.address,
    phone: u.phone,
    birthday: u.birthday,
    gender: u.gender,
    created_at: formatTs(u.created_at, form),
    updated_at: formatTs(u.updated_at, form),
    user_status: unk?.user_status ?? u.user_status,
    membership_status: unk?.membership_status ?? u.membership_status,
    membership_role: unk?.membership_role ?? u.membership_role,
  };
}

export function renderParticipation(p, q, form) {
  const f = q.mixedTimestamps ? form : 0;
  const id = (v) => (v === null || v === undefined ? null : q.stringProjectIds ? String(v) : v);
  return {
    project_id: id(p.project_id),
    project_date_id: id(p.project_date_id),
    guests: p.guests,
    signed_up_at: formatTs(p.signed_up_at, f),
    checked_in_at: formatTs(p.checked_in_at, f),
    checked_out_at: formatTs(p.checked_out_at, f),
    hours: q.stringHours ? Number(p.hours).toFixed(2) : p.hours,
    verified: p.verified,
    role: p.role,
  };
}
