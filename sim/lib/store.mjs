// In-memory state of the simulator: users, clock, and the mutations the control API offers.
import {
  generateUsers, generateParticipations, generateProfileFields, renderUser, renderParticipation,
  fakeProfile,
} from "./data.mjs";
import { rng, hash, toSecond, toMs, formFor, isIsoDate, seedBits, shown } from "./util.mjs";

/** A refusal of the caller's input: the control API answers it with 400 {message}. */
const refuse = (message) => Object.assign(new Error(message), { status: 400 });

const USER_FIELDS = ["first_name", "last_name", "email", "address", "phone", "birthday", "gender",
  "user_status", "membership_status", "membership_role"];

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
    const n = Number(ms);
    if (!Number.isFinite(n)) throw new Error(`invalid advance: ${ms}`);
    this.frozen = this.now() + n;
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
    for (const u of this.all()) if (u.email.toLowerCase() === e) return u;
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
  _apply(u, fields) {
    for (const f of USER_FIELDS) {
      if (!(f in fields)) continue;
      let v = fields[f];
      if (v === undefined) continue;
      if (f === "birthday" && v !== null) v = String(v);
      u[f] = v;
      if (u.unk && f in u.unk) {
        const { [f]: _, ...rest } = u.unk;
        u.unk = Object.keys(rest).length ? rest : null;
      }
    }
    if ("full_name" in fields && !("first_name" in fields) && !("last_name" in fields)) {
      const [a, ...b] = String(fields.full_name).split(" ");
      u.first_name = a;
      u.last_name = b.join(" ");
    }
    if (Array.isArray(fields.profile_field_values)) {
      u.pfv = fields.profile_field_values.map((f) => ({
        field_id: Number(f.field_id), field_label: String(f.field_label ?? ""), value: f.value ?? null,
      }));
    }
    if (Array.isArray(fields.participations)) {
      u.parts = fields.participations.map((p) => this._participation(u, p));
    }
  }

  createUser(fields = {}) {
    const id = fields.id !== undefined ? Number(fields.id) : this.nextId;
    if (!Number.isInteger(id) || id < 1) throw Object.assign(new Error(`invalid id ${fields.id}`), { status: 400 });
    if (this.byId.has(id)) throw Object.assign(new Error(`user ${id} exists`), { status: 409 });
    if (id < this.nextId - 1) this.dirtyOrder = true;
    this.nextId = Math.max(this.nextId, id + 1);
    const r = rng(hash(this.seed, id, 9));
    const now = this.stamp();
    const created = fields.created_at !== undefined ? toSecond(toMs(fields.created_at, "created_at")) : now;
    const updated = fields.updated_at !== undefined ? toSecond(toMs(fields.updated_at, "updated_at")) : created;
    const u = {
      id,
      ...fakeProfile(r, id),
      created_at: created,
      updated_at: updated,
      user_status: "VERIFIED",
      membership_status: "ACCEPTED",
      membership_role: "VOLUNTEER",
      unk: null,
      form: formFor(id),
      parts: [],
      pfv: [],
      genCreated: created,
    };
    this._apply(u, fields);
    this.users.push(u);
    this.byId.set(id, u);
    return u;
  }

  updateUser(id, patch = {}) {
    const u = this.mustRaw(id);
    this._apply(u, patch);
    if (patch.created_at !== undefined) u.created_at = toSecond(toMs(patch.created_at, "created_at"));
    u.updated_at = patch.updated_at !== undefined ? toSecond(toMs(patch.updated_at, "updated_at")) : this.stamp();
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

  _participation(u, p = {}) {
    const t = (v, d) => (v === undefined ? d : v === null ? null : toSecond(toMs(v, "participation time")));
    const num = (v) => (v === null || v === undefined ? null : Number(v));
    const signed = t(p.signed_up_at, this.stamp());
    return {
      project_id: p.project_id === undefined ? 700 : num(p.project_id),
      project_date_id: p.project_date_id === undefined ? ++this.pdSeq : num(p.project_date_id),
      guests: p.guests === undefined ? 0 : Number(p.guests),
      signed_up_at: signed,
      checked_in_at: t(p.checked_in_at, null),
      checked_out_at: t(p.checked_out_at, null),
      hours: p.hours === undefined || p.hours === null ? 0 : Number(p.hours),
      verified: p.verified === undefined ? false : !!p.verified,
      role: p.role === undefined ? "Volunteer" : p.role,
    };
  }

  /** Adds (or replaces, same project_date_id) a participation. Does NOT move updated_at. */
  addParticipation(userId, p = {}) {
    const u = this.mustRaw(userId);
    const list = this.parts(u);
    const rec = this._participation(u, p);
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
    const cur = list[i];
    const merged = { ...cur, ...patch };
    list[i] = this._participation(u, merged);
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
    const fields = {};
    for (const f of ["first_name", "last_name", "email", "address", "phone", "birthday", "gender"]) {
      if (body[f] !== undefined) fields[f] = body[f] === "" ? null : body[f];
    }
    if (body.role !== undefined && body.role !== null && body.role !== "") fields.membership_role = body.role;
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
