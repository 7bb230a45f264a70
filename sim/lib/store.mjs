// In-memory state of the simulator: users, clock, and the mutations the control API offers.
import {
  generateUsers, generateParticipations, generateProfileFields, renderUser, renderParticipation,
  fakeProfile,
} from "./data.mjs";
import { rng, hash, toSecond, toMs, formFor, isIsoDate, seedBits, shown } from "./util.mjs";
import { wholeNumber } from "./whole-number.mjs";

/** A refusal of the caller's input: the control API answers it with 400 {message}. */
const refuse = (message) => Object.assign(new Error(message), { status: 400 });

// ------------------------------------------------------------------ what a control call takes
// Each field with the type the simulator keeps it as. Values used to be stored as given, so a
// first_name of 42 or null broke every name_like list after it (500s); and unknown keys were
// dropped, so the client's camelCase firstName made a random-named user without a word. A call's
// input is now checked whole, then applied: a refusal names the field and what it got, and
// writes nothing.

const isText = (v) => typeof v === "string" && v !== "";
const isString = (v) => typeof v === "string";
const orNull = (ok) => (v) => v === null || ok(v);

const USER_FIELDS = {
  first_name: ["a non-empty string", isText],
  last_name: ["a non-empty string", isText],
  // null too: a record VOMO sends without an email, which the package's tests use for one its parser refuses
  email: ["a non-empty string or null", orNull(isText)],
  address: ["a string or null", orNull(isString)],
  phone: ["a string or null", orNull(isString)],
  birthday: ["a real YYYY-MM-DD date or null", orNull(isIsoDate)],
  gender: ['"M", "F", "N" or null', orNull((v) => ["M", "F", "N"].includes(v))],
  // Any text: the live API sends values the client does not know (the unknownEnums quirk), and tests set their own.
  user_status: ["a non-empty string", isText],
  membership_status: ["a non-empty string", isText],
  membership_role: ["a non-empty string", isText],
};
const UPDATE_KEYS = [...Object.keys(USER_FIELDS), "full_name", "created_at", "updated_at", "profile_field_values", "participations"];
const CREATE_KEYS = ["id", ...UPDATE_KEYS];
const PARTICIPATION_KEYS = ["project_id", "project_date_id", "guests", "signed_up_at", "checked_in_at", "checked_out_at",
  "hours", "verified", "role"];
const PROFILE_VALUE_KEYS = ["field_id", "field_label", "value"];

/** Every key must be known; the camelCase spelling of a known one says which was meant. */
function refuseUnknownFields(given, known) {
  for (const key of Object.keys(given)) {
    if (known.includes(key)) continue;
    const snake = key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    throw refuse(known.includes(snake)
      ? `unknown field ${JSON.stringify(key)} (the simulator takes the wire's snake_case names: ${JSON.stringify(snake)})`
      : `unknown field ${JSON.stringify(key)}; the fields are ${known.join(", ")}`);
  }
}

/** A plain object of known keys, its undefined values left out (as if not given). */
function fieldsOf(v, known, what) {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw refuse(`${what}: expected an object, got ${shown(v)}`);
  refuseUnknownFields(v, known);
  return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined));
}

function listOf(v, what) {
  if (!Array.isArray(v)) throw refuse(`${what}: expected an array, got ${shown(v)}`);
  return v;
}

/** A whole number (`wholeNumber`: one, or the wire's string of digits "789") of at least `least`. */
function whole(v, what, least) {
  const n = wholeNumber(v, least);
  if (n !== undefined) return n;
  throw refuse(`${what}: expected an integer of at least ${least}, got ${shown(v)}`);
}

/** A stored time: whole seconds (Laravel keeps no fractions). */
const stamp = (v, what) => toSecond(toMs(v, what));

function profileValue(v) {
  const f = fieldsOf(v, PROFILE_VALUE_KEYS, "a profile field value");
  if (f.field_label !== undefined && !isString(f.field_label)) throw refuse(`field_label: expected a string, got ${shown(f.field_label)}`);
  // value: any JSON value; the wire has text, and the package's parser reads numbers and lists too
  return { field_id: whole(f.field_id, "field_id", 1), field_label: f.field_label ?? "", value: f.value ?? null };
}

export class Store {
  constructor({ users = 500, seed = 42, now } = {}) {
    this.frozen = now === undefined || now === null ? null : toMs(now, "now");
    this.reset({ users, seed });
  }

  // ------------------------------------------------------------------ clock
  now() {
    return this.frozen === null ? Date.now() : this.frozen;
  }
  /** whole-second stamp of the sim clock */
  stamp() {
    return toSecond(this.now());
  }
  setClock(v) {
    this.frozen = toMs(v, "clock");
    return this.frozen;
  }
  advanceClock(ms) {
    // A whole number of ms, to a time a Date can hold: past it every response's Date header threw (500s).
    if (!Number.isSafeInteger(ms)) throw refuse(`advanceClock: expected a whole number of milliseconds, got ${shown(ms)}`);
    this.frozen = toMs(this.now() + ms, "the advanced clock");
    return this.frozen;
  }
  useRealClock() {
    this.frozen = null;
    return Date.now();
  }

  // ------------------------------------------------------------------ data
  reset({ users, seed } = {}) {
    // Checked, not coerced: Number(x) | 0 made the seeds 2^32, 1.9 and "abc" into 0, 1 and 0,
    // and users "ten" or -3 into an empty simulator.
    if (users !== undefined && !(Number.isSafeInteger(users) && users >= 0)) {
      throw refuse(`users: expected a non-negative integer, got ${shown(users)}`);
    }
    if (seed !== undefined && !Number.isSafeInteger(seed)) throw refuse(`seed: expected a safe integer, got ${shown(seed)}`);
    if (users !== undefined) this.count = users;
    if (seed !== undefined) this.seed = seedBits(seed); // the generator's 32 bits
    this.anchor = toSecond(this.now());
    this.users = generateUsers(this.count, this.seed, this.anchor);
    this.byId = new Map(this.users.map((u) => [u.id, u]));
    this.nextId = (this.users.length ? this.users[this.users.length - 1].id : 999) + 1;
    this.deletedSeq = 0;
    this.pdSeq = 900000;
    this.dirtyOrder = false;
  }

  get size() {
    return this.users.length;
  }

  /** Users in id order (the stable list order). */
  all() {
    if (this.dirtyOrder) {
      this.users.sort((a, b) => a.id - b.id);
      this.dirtyOrder = false;
    }
    return this.users;
  }

  raw(id) {
    return this.byId.get(Number(id)) ?? null;
  }

  mustRaw(id) {
    const u = this.raw(id);
    if (!u) {
      const e = new Error(`no user with id ${id}`);
      e.status = 404;
      throw e;
    }
    return u;
  }

  parts(u) {
    if (!u.parts) u.parts = generateParticipations(u, this.seed, this.anchor);
    return u.parts;
  }

  pfv(u) {
    if (!u.pfv) u.pfv = generateProfileFields(u, this.seed);
    return u.pfv;
  }

  findByEmail(email) {
    const e = String(email).toLowerCase();
    for (const u of this.all()) if (u.email !== null && u.email.toLowerCase() === e) return u;
    return null;
  }

  wireUser(u, q) {
    return renderUser(u, q);
  }

  wireDetail(u, q) {
    const w = renderUser(u, q);
    w.participations = this.parts(u).map((p) => renderParticipation(p, q, u.form));
    w.profile_field_values = this.pfv(u).map((f) => ({ ...f }));
    return w;
  }

  // ------------------------------------------------------------------ mutations
  /** createUser/updateUser input -> the record's new values (times in ms); throws before anything is written. */
  _changes(fields, known, what) {
    const given = fieldsOf(fields, known, what);
    const out = {};
    if ("full_name" in given) {
      // "First Last" split at the first space, as the wire's full_name is made
      if ("first_name" in given || "last_name" in given) throw refuse("full_name: give it or first_name and last_name, not both");
      const m = isString(given.full_name) ? /^([^ ]+) (.+)$/.exec(given.full_name) : null;
      if (!m) throw refuse(`full_name: expected "First Last", got ${shown(given.full_name)}`);
      [out.first_name, out.last_name] = [m[1], m[2]];
    }
    for (const [f, [expected, ok]] of Object.entries(USER_FIELDS)) {
      if (!(f in given)) continue;
      if (!ok(given[f])) throw refuse(`${f}: expected ${expected}, got ${shown(given[f])}`);
      out[f] = given[f];
    }
    for (const f of ["created_at", "updated_at"]) if (f in given) out[f] = stamp(given[f], f);
    if ("profile_field_values" in given) out.pfv = listOf(given.profile_field_values, "profile_field_values").map(profileValue);
    if ("participations" in given) out.parts = listOf(given.participations, "participations").map((p) => this._participation(p));
    return out;
  }

  /** Writes checked changes (see _changes). A participation without a project_date_id gets a fresh one here. */
  _apply(u, changes) {
    for (const p of changes.parts ?? []) p.project_date_id ??= ++this.pdSeq;
    if (u.unk) {
      // a status or role set by hand replaces the unknown value the seed gave it
      const rest = Object.fromEntries(Object.entries(u.unk).filter(([f]) => !(f in changes)));
      u.unk = Object.keys(rest).length ? rest : null;
    }
    Object.assign(u, changes);
  }

  createUser(fields = {}) {
    const changes = this._changes(fields, CREATE_KEYS, "fields");
    const id = fields.id === undefined ? this.nextId : whole(fields.id, "id", 1);
    if (this.byId.has(id)) throw Object.assign(new Error(`user ${id} exists`), { status: 409 });
    if (id < this.nextId - 1) this.dirtyOrder = true;
    this.nextId = Math.max(this.nextId, id + 1);
    const r = rng(hash(this.seed, id, 9));
    const created = changes.created_at ?? this.stamp();
    const u = {
      id,
      ...fakeProfile(r, id),
      created_at: created,
      updated_at: created,
      user_status: "VERIFIED",
      membership_status: "ACCEPTED",
      membership_role: "VOLUNTEER",
      unk: null,
      form: formFor(id),
      parts: [],
      pfv: [],
      genCreated: created,
    };
    this._apply(u, changes);
    this.users.push(u);
    this.byId.set(id, u);
    return u;
  }

  updateUser(id, patch = {}) {
    const u = this.mustRaw(id);
    const changes = this._changes(patch, UPDATE_KEYS, "patch");
    changes.updated_at ??= this.stamp();
    this._apply(u, changes);
    return u;
  }

  changeEmail(id, email) {
    if (typeof email !== "string" || !email) throw Object.assign(new Error("email required"), { status: 400 });
    return this.updateUser(id, { email });
  }

  deleteUser(id) {
    const u = this.raw(id);
    if (!u) return false;
    this.byId.delete(u.id);
    const i = this.users.indexOf(u);
    if (i >= 0) this.users.splice(i, 1);
    return true;
  }

  anonymizeUser(id) {
    const u = this.mustRaw(id);
    this.deletedSeq++;
    return this.updateUser(id, {
      first_name: "Deleted",
      last_name: "User",
      email: `vomodeleteduser${String(this.deletedSeq).padStart(4, "0")}@vomo.org`,
      birthday: "1900-01-01",
      address: null,
      phone: "555-555-5555",
    });
  }

  /** A participation input -> its record (times in ms); project_date_id stays undefined when not given. */
  _participation(p) {
    const f = fieldsOf(p, PARTICIPATION_KEYS, "participation");
    const time = (k, d) => (f[k] === undefined ? d : f[k] === null ? null : stamp(f[k], k));
    // hours as a number or the wire's decimal string ("4.00")
    const hours = f.hours === undefined ? 0 : typeof f.hours === "string" && /^\d+(\.\d+)?$/.test(f.hours) ? Number(f.hours) : f.hours;
    if (!(typeof hours === "number" && Number.isFinite(hours) && hours >= 0)) throw refuse(`hours: expected a number of at least 0, got ${shown(f.hours)}`);
    if (f.verified !== undefined && typeof f.verified !== "boolean") throw refuse(`verified: expected true or false, got ${shown(f.verified)}`);
    if (f.role !== undefined && !orNull(isString)(f.role)) throw refuse(`role: expected a string or null, got ${shown(f.role)}`);
    return {
      project_id: f.project_id === undefined ? 700 : f.project_id === null ? null : whole(f.project_id, "project_id", 1),
      project_date_id: f.project_date_id === undefined ? undefined : whole(f.project_date_id, "project_date_id", 1),
      guests: f.guests === undefined ? 0 : whole(f.guests, "guests", 0),
      signed_up_at: time("signed_up_at", this.stamp()),
      checked_in_at: time("checked_in_at", null),
      checked_out_at: time("checked_out_at", null),
      hours,
      verified: f.verified ?? false,
      role: f.role === undefined ? "Volunteer" : f.role,
    };
  }

  /** Adds (or replaces, same project_date_id) a participation. Does NOT move updated_at. */
  addParticipation(userId, p = {}) {
    const u = this.mustRaw(userId);
    const rec = this._participation(p);
    rec.project_date_id ??= ++this.pdSeq;
    const list = this.parts(u);
    const i = list.findIndex((x) => x.project_date_id === rec.project_date_id);
    if (i >= 0) list[i] = rec;
    else list.push(rec);
    return rec;
  }

  updateParticipation(userId, projectDateId, patch = {}) {
    const u = this.mustRaw(userId);
    const list = this.parts(u);
    const i = list.findIndex((x) => x.project_date_id === Number(projectDateId));
    if (i < 0) throw Object.assign(new Error(`no participation ${projectDateId}`), { status: 404 });
    const given = fieldsOf(patch, PARTICIPATION_KEYS, "patch");
    list[i] = this._participation({ ...list[i], ...given });
    return list[i];
  }

  removeParticipation(userId, projectDateId) {
    const u = this.mustRaw(userId);
    const list = this.parts(u);
    const i = list.findIndex((x) => x.project_date_id === Number(projectDateId));
    if (i < 0) return false;
    list.splice(i, 1);
    return true;
  }

  /** POST /v1/users upsert (already validated). Returns { user, created }. */
  upsert(body) {
    // Laravel's TrimStrings and ConvertEmptyStringsToNull: a blank value is null ("  " was stored as it came).
    const blank = (v) => typeof v === "string" && v.trim() === "";
    const fields = {};
    for (const f of ["first_name", "last_name", "email", "address", "phone", "birthday", "gender"]) {
      if (body[f] !== undefined) fields[f] = blank(body[f]) ? null : body[f];
    }
    if (body.role !== undefined && body.role !== null && !blank(body.role)) fields.membership_role = body.role;
    const existing = this.findByEmail(body.email);
    if (existing) return { user: this.updateUser(existing.id, fields), created: false };
    return {
      user: this.createUser({
        address: null, phone: null, birthday: null, gender: null,
        membership_role: "VOLUNTEER", user_status: "UNVERIFIED", membership_status: "ACCEPTED",
        ...fields,
      }),
      created: true,
    };
  }
}

export { isIsoDate };
