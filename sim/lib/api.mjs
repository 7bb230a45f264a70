// The simulated /v1 API: list, detail and upsert, in VOMO's raw wire format.
import { parseDateFilter, isIsoDate } from "./util.mjs";

const INVALID = "The given data was invalid.";
const DATE_FILTERS = [
  ["created_after", "created_at", false],
  ["created_before", "created_at", true],
  ["updated_after", "updated_at", false],
  ["updated_before", "updated_at", true],
];

/** page query value -> positive integer (Laravel falls back to 1 for anything invalid). */
export function pageOf(searchParams) {
  const v = searchParams.get("page");
  if (v === null || !/^\s*\d+\s*$/.test(v)) return 1;
  const n = parseInt(v, 10);
  return n >= 1 ? n : 1;
}

const label = (field) => field.replace(/_/g, " ");

/** GET /v1/users -> { status, body } */
export function listUsers(sim, url, origin, { page, foreignNext = false }) {
  const sp = url.searchParams;
  const errors = {};
  const bounds = [];
  for (const [param, field, isBefore] of DATE_FILTERS) {
    const v = sp.get(param);
    if (v === null || v === "") continue;
    const ms = parseDateFilter(v, isBefore);
    if (ms === null) errors[param] = [`The ${label(param)} is not a valid date.`];
    else bounds.push([field, isBefore, ms]);
  }
  if (Object.keys(errors).length) return { status: 422, body: { message: INVALID, errors } };
  const nameLike = (sp.get("name_like") ?? "").toLowerCase();
  const emailLike = (sp.get("email_like") ?? "").toLowerCase();

  const q = sim.cfg.quirks;
  const matching = () => sim.store.all().filter((u) => {
    for (const [field, isBefore, ms] of bounds) {
      if (isBefore ? u[field] > ms : u[field] < ms) return false;
    }
    if (nameLike && !u.first_name.toLowerCase().includes(nameLike) && !u.last_name.toLowerCase().includes(nameLike)) return false;
    // A user without an email (set to null through the control API) matches no email filter.
    if (emailLike && !(u.email ?? "").toLowerCase().includes(emailLike)) return false;
    return true;
  });

  const perPage = sim.cfg.perPage;
  const counted = matching();
  const total = counted.length;
  // The count, then the page's rows, as Laravel's paginate() selects them: a trigger set for
  // "between" changes the data in between (only then are the rows filtered again).
  const matched = sim._runTriggers("/v1/users", page, "between") ? matching() : counted;
  const lastPage = Math.max(1, Math.ceil(total / perPage));
  const startIdx = (page - 1) * perPage;
  const slice = matched.slice(startIdx, startIdx + perPage);
  const path = `${origin}/v1/users`;
  const keep = [...sp].filter(([k]) => k !== "page");
  const link = (n, base = origin) => {
    const p = new URLSearchParams(keep);
    p.append("page", String(n));
    return `${base}/v1/users?${p}`;
  };
  const nil = q.nullStringLinks ? "null" : null;
  const num = (n) => (n === null ? null : q.stringMeta ? String(n) : n);
  let next = page < lastPage ? link(page + 1) : nil;
  if (foreignNext) next = link(page + 1, sim.foreignUrl);
  return {
    status: 200,
    body: {
      data: slice.map((u) => sim.store.wireUser(u, q)),
      links: {
        first: link(1),
        last: link(lastPage),
        prev: page > 1 ? link(page - 1) : nil,
        next,
      },
      meta: {
        current_page: num(page),
        from: num(slice.length ? startIdx + 1 : null),
        to: num(slice.length ? startIdx + slice.length : null),
        path,
        per_page: num(perPage),
        total: num(total),
      },
    },
  };
}

/** GET /v1/users/{id} */
export function getUser(sim, idStr) {
  const u = /^\d+$/.test(idStr) ? sim.store.raw(Number(idStr)) : null;
  if (!u) return { status: 404, body: { message: "Resource not found." } };
  const d = sim.store.wireDetail(u, sim.cfg.quirks);
  return { status: 200, body: { data: sim.cfg.quirks.detailAsArray ? [d] : d } };
}

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Validate a POST /v1/users body; returns an errors object (possibly empty). */
export function validateUpsert(body, strict) {
  const errors = {};
  const add = (f, m) => (errors[f] ??= []).push(m);
  const present = (v) => v !== undefined && v !== null && !(typeof v === "string" && v.trim() === "");
  for (const f of ["first_name", "last_name", "email"]) {
    if (!present(body[f])) add(f, `The ${label(f)} field is required.`);
    else if (typeof body[f] !== "string") add(f, `The ${label(f)} must be a string.`);
    else if (body[f].length > 255) add(f, `The ${label(f)} may not be greater than 255 characters.`);
  }
  if (present(body.email) && typeof body.email === "string" && !EMAIL_RE.test(body.email.trim()))
    add("email", "The email must be a valid email address.");
  if (strict) {
    if (!present(body.birthday)) add("birthday", "The birthday field is required.");
    if (!present(body.gender)) add("gender", "The gender field is required.");
  }
  if (present(body.birthday)) {
    if (typeof body.birthday !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(body.birthday))
      add("birthday", "The birthday does not match the format Y-m-d.");
    else if (!isIsoDate(body.birthday)) add("birthday", "The birthday is not a valid date.");
  }
  if (present(body.gender) && !["M", "F", "N"].includes(body.gender)) add("gender", "The selected gender is invalid.");
  if (present(body.role) && !["VOLUNTEER", "ORGANIZER", "ADMIN"].includes(body.role)) add("role", "The selected role is invalid.");
  if (body.password !== undefined && body.password !== null) {
    const pw = body.password;
    if (typeof pw !== "string") add("password", "The password must be a string.");
    else {
      if (pw.length < 10) add("password", "The password must be at least 10 characters.");
      if (!/[A-Za-z]/.test(pw) || !/\d/.test(pw)) add("password", "The password must contain at least one letter and one number.");
    }
  }
  for (const f of ["phone", "address", "org", "invite_code"]) {
    if (present(body[f]) && typeof body[f] !== "string") add(f, `The ${label(f)} must be a string.`);
  }
  return errors;
}

/** POST /v1/users */
export function upsertUser(sim, rawBody) {
  let body = null;
  try {
    body = rawBody.length ? JSON.parse(rawBody) : {};
  } catch {
    body = {};
  }
  if (!body || typeof body !== "object" || Array.isArray(body)) body = {};
  const errors = validateUpsert(body, sim.cfg.strict);
  if (Object.keys(errors).length) return { status: 422, body: { message: INVALID, errors } };
  const clean = { ...body, email: body.email.trim() };
  const { user, created } = sim.store.upsert(clean);
  const q = sim.cfg.quirks;
  const data = sim.store.wireDetail(user, q);
  if (q.stringIdInUpsert) data.id = String(data.id);
  const status = created ? 201 : 200;
  return {
    status,
    body: {
      code: q.stringIdInUpsert ? String(status) : status,
      message: created ? "User created." : "User updated.",
      data,
    },
  };
}
