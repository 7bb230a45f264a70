// The simulator object: configuration, HTTP listeners, adversity (faults, rate limit,
// latency, page triggers), the request log, and the programmatic control API.
import http from "node:http";
import { performance } from "node:perf_hooks";
import { Store } from "./store.mjs";
import { listUsers, getUser, upsertUser, pageOf } from "./api.mjs";
import { handleControl } from "./control.mjs";
import { Limiters, normRateLimit } from "./limiter.mjs";
import { renderParticipation } from "./data.mjs";
import { toMs } from "./util.mjs";
import { refuseUnknown } from "./refuse-unknown.mjs";
import { wholeNumber } from "./whole-number.mjs";

export const DEFAULT_TOKEN =
  "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ2b21vLXNpbSIsIm9yZyI6InNpbXVsYXRvciIsImlhdCI6MTcwMDAwMDAwMH0.c2ltdWxhdGVkLXNpZ25hdHVyZS1ub3QtdmVyaWZpZWQ";
export const DEFAULT_FORBIDDEN_TOKEN = "sim-forbidden-token";

export const DEFAULT_QUIRKS = Object.freeze({
  stringHours: true,
  stringProjectIds: true,
  mixedTimestamps: true,
  unknownEnums: true,
  detailAsArray: false,
  nullStringLinks: false,
  stringMeta: false,
  stringIdInUpsert: true,
});

/** What `configure()` (and `POST /__sim/config`) takes; the constructor takes these too. */
const CONFIG_KEYS = ["perPage", "strict", "latencyMs", "rateLimit", "quirks", "token", "forbiddenToken"];
const OPTION_KEYS = ["host", "port", "foreignPort", "users", "seed", "now", ...CONFIG_KEYS];


/** What a fault may hold: where it matches, how often, and each type's parameters. */
// The parameters each type uses; another type given one would ignore it without a word (a
// `nonjson` fault with `status: 500` still answered 200), so it is refused.
const FAULT_PARAMS = { status: ["status", "body", "headers"], delay: ["ms"] };
const PARAM_KEYS = Object.values(FAULT_PARAMS).flat();
const FAULT_KEYS = ["type", "method", "path", "page", "times", ...PARAM_KEYS];
// "status: status, body, headers; delay: ms", for the refusal.
const WHOSE = Object.entries(FAULT_PARAMS).map(([type, keys]) => `${type}: ${keys.join(", ")}`).join("; ");
const FAULT_TYPES = new Set(["status", "reset", "delay", "stall", "nonjson", "truncated", "foreign_next", "redirect", "unauthorized"]);
/**
 * When a page trigger fires: "before" the page is computed, or "between" the count of the
 * listing's rows (`meta.total`) and the selection of the page's rows, as a write can commit
 * in Laravel's `paginate()`, which runs a COUNT and then the SELECT with no snapshot between.
 */
const TRIGGER_POINTS = ["before", "between"];
const ACTION_TYPES = new Set(["delete", "update", "create", "anonymize", "advanceClock", "addParticipation", "changeEmail"]);

function clone(v) {
  return v === undefined ? undefined : JSON.parse(JSON.stringify(v));
}

/** `v` when it is a boolean; else an Error naming `what`. */
function flag(v, what) {
  if (typeof v !== "boolean") throw new Error(`${what} must be true or false (got ${JSON.stringify(v)})`);
  return v;
}

export class Simulator {
  constructor(opts = {}) {
    refuseUnknown(opts, OPTION_KEYS, "simulator");
    for (const key of ["port", "foreignPort"]) {
      const v = opts[key];
      // A string would make `listen` take it for a Unix socket path ("abc" -> ./abc).
      if (v !== undefined && !(Number.isInteger(v) && v >= 0 && v <= 65535)) {
        throw new Error(`simulator: ${key} must be a port number 0-65535 (got ${JSON.stringify(v)})`);
      }
    }
    if (opts.host !== undefined && !(typeof opts.host === "string" && opts.host !== "")) {
      throw new Error(`simulator: host must be a host name or address (got ${JSON.stringify(opts.host)})`);
    }
    this.opts = opts;
    this.host = opts.host ?? "127.0.0.1";
    this.port = opts.port ?? 0;
    this.token = DEFAULT_TOKEN;
    this.forbiddenToken = DEFAULT_FORBIDDEN_TOKEN;
    this.cfg = {
      perPage: 15,
      strict: false,
      latencyMs: 0,
      rateLimit: null,
      quirks: { ...DEFAULT_QUIRKS },
    };
    this.configure({
      perPage: opts.perPage ?? 15,
      strict: opts.strict ?? false,
      latencyMs: opts.latencyMs ?? 0,
      rateLimit: opts.rateLimit ?? null,
      quirks: opts.quirks ?? {},
      token: opts.token === undefined ? DEFAULT_TOKEN : opts.token,
      forbiddenToken: opts.forbiddenToken === undefined ? DEFAULT_FORBIDDEN_TOKEN : opts.forbiddenToken,
    });
    this.store = new Store({ users: opts.users ?? 500, seed: opts.seed ?? 42, now: opts.now });
    this._log = [];
    this._foreignLog = [];
    this.faults = [];
    this.triggers = [];
    this.faultSeq = 0;
    this.sockets = new Set();
    // The waits of requests in flight (latencyMs, delay faults): close() ends them, so that
    // no timer of a closed simulator keeps its process alive.
    this.waits = new Set();
    this.url = null;
    this.origin = null;
    this.foreignUrl = null;
  }

  // ================================================================ lifecycle
  async listen() {
    if (this.server?.listening) throw new Error(`simulator: already listening at ${this.url}; close() it first`);
    const track = (server) =>
      server.on("connection", (s) => {
        this.sockets.add(s);
        s.on("close", () => this.sockets.delete(s));
      });
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.foreign = http.createServer((req, res) => this.handleForeign(req, res));
    track(this.server);
    track(this.foreign);
    const listen = (srv, port) =>
      new Promise((resolve, reject) => {
        srv.once("error", reject);
        srv.listen(port, this.host, () => {
          srv.off("error", reject);
          resolve(srv.address().port);
        });
      });
    let port, fport;
    try {
      port = await listen(this.server, this.port);
      fport = await listen(this.foreign, this.opts.foreignPort ?? 0);
    } catch (e) {
      // The foreign port taken: the API's listener, already open, is not left behind.
      await this.close();
      throw e;
    }
    const h = this.host === "0.0.0.0" || this.host === "::" ? "127.0.0.1" : this.host.includes(":") ? `[${this.host}]` : this.host;
    this.port = port;
    this.origin = `http://${h}:${port}`;
    this.url = `${this.origin}/v1`;
    this.foreignUrl = `http://${h}:${fport}`;
    return this;
  }

  async close() {
    for (const end of this.waits) end();
    this.waits.clear();
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    const close = (srv) =>
      new Promise((resolve) => {
        if (!srv || !srv.listening) return resolve();
        srv.closeAllConnections?.();
        srv.close(() => resolve());
      });
    await Promise.all([close(this.server), close(this.foreign)]);
  }

  // ================================================================ programmatic control
  log() {
    return this._log.map((e) => ({ ...e, query: { ...e.query } }));
  }
  clearLog() {
    this._log = [];
  }
  foreignLog() {
    return this._foreignLog.map((e) => ({ ...e, query: { ...e.query } }));
  }
  clearForeignLog() {
    this._foreignLog = [];
  }
  now() {
    return this.store.now();
  }
  setClock(v) {
    return this.store.setClock(v);
  }
  advanceClock(ms) {
    return this.store.advanceClock(ms);
  }
  useRealClock() {
    return this.store.useRealClock();
  }
  getUser(id) {
    const u = this.store.raw(id);
    return u ? this.store.wireDetail(u, this.cfg.quirks) : null;
  }
  listAll() {
    return this.store.all().map((u) => this.store.wireUser(u, this.cfg.quirks));
  }
  count() {
    return this.store.size;
  }
  createUser(fields = {}) {
    return this.store.wireUser(this.store.createUser(fields), this.cfg.quirks);
  }
  updateUser(id, patch = {}) {
    return this.store.wireUser(this.store.updateUser(id, patch), this.cfg.quirks);
  }
  changeEmail(id, email) {
    return this.store.wireUser(this.store.changeEmail(id, email), this.cfg.quirks);
  }
  _wirePart(userId, p) {
    return renderParticipation(p, this.cfg.quirks, this.store.raw(userId)?.form ?? 0);
  }
  addParticipation(userId, participation = {}) {
    return this._wirePart(userId, this.store.addParticipation(userId, participation));
  }
  updateParticipation(userId, projectDateId, patch = {}) {
    return this._wirePart(userId, this.store.updateParticipation(userId, projectDateId, patch));
  }
  removeParticipation(userId, projectDateId) {
    return this.store.removeParticipation(userId, projectDateId);
  }
  deleteUser(id) {
    return this.store.deleteUser(id);
  }
  anonymizeUser(id) {
    return this.store.wireUser(this.store.anonymizeUser(id), this.cfg.quirks);
  }

  /**
   * Updates the configuration: all of `partial` or, when any of it is refused, none (every
   * value is checked before anything changes).
   */
  configure(partial = {}) {
    refuseUnknown(partial, CONFIG_KEYS, "configure");
    const c = clone(this.cfg);
    let { token, forbiddenToken, limiters } = this;
    if (partial.perPage !== undefined) {
      const n = Number(partial.perPage);
      if (!(Number.isInteger(n) && n >= 1)) throw new Error("perPage must be a positive integer");
      c.perPage = n;
    }
    // A string such as "false" would be truthy: only booleans.
    if (partial.strict !== undefined) c.strict = flag(partial.strict, "strict");
    if (partial.latencyMs !== undefined) {
      const ms = partial.latencyMs;
      if (!(typeof ms === "number" && Number.isFinite(ms) && ms >= 0)) throw new Error(`latencyMs must be a number of milliseconds, 0 or more (got ${JSON.stringify(ms)})`);
      c.latencyMs = ms;
    }
    if (partial.rateLimit !== undefined) {
      c.rateLimit = normRateLimit(partial.rateLimit);
      limiters = c.rateLimit && new Limiters(c.rateLimit);
    }
    if (partial.quirks !== undefined) {
      if (partial.quirks === null || typeof partial.quirks !== "object") throw new Error("quirks must be an object of quirk names and booleans");
      for (const [k, v] of Object.entries(partial.quirks)) {
        if (!(k in DEFAULT_QUIRKS)) throw new Error(`unknown quirk ${k}`);
        if (v !== undefined) c.quirks[k] = flag(v, `quirks.${k}`); // undefined: left as it is, as an absent key
      }
    }
    if (partial.token !== undefined) {
      if (!(typeof partial.token === "string" && partial.token !== "")) throw new Error(`token must be a non-empty string (got ${JSON.stringify(partial.token)})`);
      token = partial.token;
    }
    if (partial.forbiddenToken !== undefined) {
      const f = partial.forbiddenToken;
      if (!(f === null || (typeof f === "string" && f !== ""))) throw new Error(`forbiddenToken must be a non-empty string or null (got ${JSON.stringify(f)})`);
      forbiddenToken = f;
    }
    Object.assign(this, { cfg: c, token, forbiddenToken, limiters });
    return this.config();
  }

  config() {
    return clone({ ...this.cfg, token: this.token, forbiddenToken: this.forbiddenToken });
  }

  injectFault(fault = {}) {
    if (!FAULT_TYPES.has(fault?.type)) throw new Error(`unknown fault type ${fault?.type}`);
    refuseUnknown(fault, FAULT_KEYS, "injectFault");
    const uses = FAULT_PARAMS[fault.type] ?? [];
    const unused = PARAM_KEYS.filter((k) => fault[k] !== undefined && !uses.includes(k));
    if (unused.length) {
      throw new Error(`injectFault: a ${fault.type} fault takes ${uses.length ? uses.join(", ") : "no parameters"}, not ${unused.join(", ")} (the types that take any: ${WHOSE})`);
    }
    let times = fault.times ?? 1;
    if (times === -1 || times === null || times === Infinity || times === "Infinity" || times === "always") times = Infinity;
    else if (!(Number.isInteger(times) && times >= 1)) {
      throw new Error(`injectFault: times must be a whole number of times, 1 or more, or "always" (got ${JSON.stringify(times)})`);
    }
    // A number, or its digits (a page read from a URL: "2"), as the request's are compared.
    const numbers = {};
    const whole = (key, lo, hi) => {
      const v = fault[key];
      if (v === undefined || v === null) return;
      const n = wholeNumber(v, lo, hi);
      if (n === undefined) throw new Error(`injectFault: ${key} must be a whole number ${lo}-${hi} (got ${JSON.stringify(v)})`);
      numbers[key] = n;
    };
    whole("status", 200, 599); // what an HTTP response can carry (1xx are not final answers)
    whole("page", 1, Number.MAX_SAFE_INTEGER);
    whole("ms", 0, 2_147_483_647); // setTimeout's longest
    for (const key of ["method", "path"]) {
      if (fault[key] !== undefined && fault[key] !== null && typeof fault[key] !== "string") throw new Error(`injectFault: ${key} must be a string`);
    }
    const f = { ...fault, ...numbers, times, id: ++this.faultSeq };
    // Listed (GET /__sim/faults) with "always" where JSON would write Infinity as null.
    Object.defineProperty(f, "toJSON", { value() { return { ...this, times: this.times === Infinity ? "always" : this.times }; } });
    this.faults.push(f);
    return f.id;
  }
  clearFaults() {
    this.faults = [];
  }
  onPage(trigger = {}) {
    const page = wholeNumber(trigger.page, 1);
    if (page === undefined) throw new Error(`trigger.page must be a positive integer (got ${JSON.stringify(trigger.page)})`);
    const actions = trigger.actions ?? [];
    for (const a of actions) if (!ACTION_TYPES.has(a.type)) throw new Error(`unknown action ${a.type}`);
    const at = trigger.at ?? "before";
    if (!TRIGGER_POINTS.includes(at)) throw new Error(`trigger.at must be one of ${TRIGGER_POINTS.join(", ")} (got ${JSON.stringify(at)})`);
    const t = { id: this.triggers.length + 1, page, path: trigger.path ?? "/v1/users", at, actions: clone(actions), fired: false };
    this.triggers.push(t);
    return t.id;
  }
  clearTriggers() {
    this.triggers = [];
  }
  reset(options = {}) {
    refuseUnknown(options, ["users", "seed"], "reset");
    const { users, seed } = options;
    this.store.reset({ users, seed });
    this._log = [];
    this._foreignLog = [];
    this.faults = [];
    this.triggers = [];
    this.limiters = this.cfg.rateLimit && new Limiters(this.cfg.rateLimit);
  }
  info(origin = this.origin) {
    return {
      url: origin == null ? null : `${origin}/v1`, // null before listen() (mounted with handle: the request's origin)
      origin,
      token: this.token,
      forbiddenToken: this.forbiddenToken,
      foreignUrl: this.foreignUrl,
      users: this.store.size,
      now: this.now(),
      config: this.config(),
    };
  }

  // ================================================================ adversity helpers
  _matchFault(method, path, page, typeFilter) {
    for (const f of this.faults) {
      if (f.times <= 0) continue;
      if (typeFilter && !typeFilter(f.type)) continue;
      if (f.method && f.method.toUpperCase() !== method) continue;
      if (f.path) {
        if (f.path.endsWith("*") ? !path.startsWith(f.path.slice(0, -1)) : f.path !== path) continue;
      }
      if (f.page !== undefined && f.page !== null && Number(f.page) !== page) continue;
      f.times--;
      return f;
    }
    return null;
  }

  /** The limiter's verdict for one request of `key` (null: no limit configured). */
  _rateLimit(key) {
    return this.limiters ? this.limiters.take(key) : null;
  }

  /** Fires the triggers of page `page` of `path` set for `at` ("before" the page is computed,
   *  or "between" its total and its rows: see TRIGGER_POINTS); true when one fired. */
  _runTriggers(path, page, at = "before") {
    let fired = false;
    for (const t of this.triggers) {
      if (t.fired || t.page !== page || t.path !== path || t.at !== at) continue;
      t.fired = fired = true;
      for (const a of t.actions) this._runAction(a);
    }
    return fired;
  }

  _runAction(a) {
    const s = this.store;
    switch (a.type) {
      case "delete":
        s.deleteUser(a.id);
        break;
      case "update":
        s.updateUser(a.id, a.patch ?? {});
        break;
      case "anonymize":
        s.anonymizeUser(a.id);
        break;
      case "changeEmail":
        s.changeEmail(a.id, a.email);
        break;
      case "advanceClock":
        s.advanceClock(a.ms);
        break;
      case "addParticipation":
        s.addParticipation(a.id, a.participation ?? {});
        break;
      case "create": {
        const n = Math.max(1, Number(a.count ?? 1));
        const now = s.stamp();
        for (let i = 0; i < n; i++) {
          const ts = a.sharedTimestamp === false ? now - (n - 1 - i) * 1000 : now;
          s.createUser({ created_at: ts, updated_at: ts, ...(a.fields ?? {}) });
        }
        break;
      }
    }
  }

  // ================================================================ HTTP
  _cors(res) {
    res.setHeader("Access-Control-Allow-Origin", "*");
    res.setHeader("Access-Control-Expose-Headers",
      "Retry-After, Location, Content-Length, Date, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset");
    // The Date header follows the simulator's clock (frozen or real), as a server's would.
    res.setHeader("Date", new Date(this.now()).toUTCString());
  }

  _preflight(req, res) {
    res.statusCode = 204;
    res.setHeader("Access-Control-Allow-Methods", "GET, POST, PATCH, PUT, DELETE, OPTIONS");
    const reqHeaders = req.headers["access-control-request-headers"];
    res.setHeader("Access-Control-Allow-Headers", reqHeaders ? `Authorization, Content-Type, ${reqHeaders}` : "Authorization, Content-Type");
    res.setHeader("Access-Control-Max-Age", "600");
    res.end();
  }

  _crash(res, e, entry = null) {
    if (!res.headersSent && !res.destroyed) {
      if (entry) entry.status = 500;
      res.statusCode = 500;
      res.setHeader("Content-Type", "application/json");
      res.end(JSON.stringify({ message: "Server Error", error: String(e?.message ?? e) }));
    }
  }

  _readBody(req) {
    return new Promise((resolve, reject) => {
      const chunks = [];
      let size = 0;
      req.on("data", (c) => {
        size += c.length;
        if (size > 5 * 1024 * 1024) {
          reject(new Error("body too large"));
          req.destroy();
        } else chunks.push(c);
      });
      req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
      req.on("error", reject);
      req.on("aborted", () => resolve(""));
    });
  }

  /**
   * Waits `ms` for one request: ends early when its client hangs up or the simulator closes
   * (and its timer with it). Resolves to true when the request is still to be answered.
   */
  _wait(ms, req, res) {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waits.delete(done);
        req.socket.off("close", done);
        resolve(!(req.socket.destroyed || res.destroyed));
      };
      const timer = setTimeout(done, ms);
      this.waits.add(done);
      req.socket.once("close", done);
    });
  }

  _origin(req) {
    const host = req.headers.host;
    return host ? `http://${host}` : this.origin;
  }

  /**
   * Answers one request (what `listen()` serves, and what a server of your own mounts).
   * Never rejects: what goes wrong while answering is a 500 `{message, error}`, logged as such.
   */
  async handle(req, res) {
    const request = { entry: null };
    try {
      await this._handle(req, res, request);
    } catch (e) {
      this._crash(res, e, request.entry);
    }
  }

  async _handle(req, res, request) {
    const url = new URL(req.url, "http://sim.invalid");
    const path = url.pathname;
    this._cors(res);
    if (path === "/__sim" || path.startsWith("/__sim/")) {
      if (req.method === "OPTIONS") return this._preflight(req, res);
      const body = await this._readBody(req);
      return handleControl(this, req, res, url, body);
    }
    const isV1 = path === "/v1" || path.startsWith("/v1/");
    const entry = isV1
      ? {
          method: req.method,
          path,
          query: Object.fromEntries(url.searchParams),
          status: 0,
          time: Date.now(),
          t: performance.now(),
          authorization: req.headers.authorization !== undefined,
          userAgent: req.headers["user-agent"] ?? null,
        }
      : null;
    if (entry) this._log.push(entry);
    request.entry = entry;
    const send = (status, body, headers = {}, mode = null) => {
      if (res.destroyed || res.writableEnded) return;
      let text = body === undefined || body === null ? "" : typeof body === "string" ? body : JSON.stringify(body);
      let ctype = "application/json";
      if (mode === "truncated") {
        status = 200;
        text = text.slice(0, Math.floor(text.length / 2));
      }
      for (const [k, v] of Object.entries(headers)) {
        if (k.toLowerCase() === "content-type") ctype = v;
        else res.setHeader(k, v);
      }
      if (text.length || status !== 204) res.setHeader("Content-Type", ctype);
      res.setHeader("Content-Length", Buffer.byteLength(text));
      res.statusCode = status;
      res.end(text);
      if (entry) entry.status = status;
    };
    if (req.method === "OPTIONS") {
      this._preflight(req, res);
      if (entry) entry.status = 204;
      return;
    }
    if (!isV1) return send(404, { message: "Not Found." });
    const rawBody = await this._readBody(req);
    if (this.cfg.latencyMs > 0 && !(await this._wait(this.cfg.latencyMs, req, res))) return;
    const method = req.method;
    const page = pageOf(url.searchParams);

    const unauth = this._matchFault(method, path, page, (t) => t === "unauthorized");
    if (unauth) return send(401, { message: "Unauthenticated." });
    const auth = req.headers.authorization;
    if (this.forbiddenToken && auth === `Bearer ${this.forbiddenToken}`) return send(403, { message: "This action is unauthorized." });
    if (auth !== `Bearer ${this.token}`) return send(401, { message: "Unauthenticated." });

    let mode = null;
    for (;;) {
      const f = this._matchFault(method, path, page, (t) => t !== "unauthorized");
      if (!f) break;
      switch (f.type) {
        case "status": {
          const body = f.body === undefined ? { message: "Server Error" } : f.body;
          return send(Number(f.status ?? 500), body, f.headers ?? {});
        }
        case "reset":
          entry.status = 0;
          req.socket.destroy();
          return;
        case "stall":
          entry.status = 0;
          return; // never respond; close() destroys the socket
        case "delay":
          if (!(await this._wait(f.ms ?? 1000, req, res))) return;
          continue; // proceed normally (further faults may still match)
        case "nonjson":
          return send(200, "<html>oops</html>", { "Content-Type": "text/html" });
        case "redirect":
          return send(302, "", { Location: `${this.foreignUrl}${path}${url.search}` });
        case "truncated":
        case "foreign_next":
          mode = f.type;
          break;
      }
      if (mode) break;
    }

    const verdict = this._rateLimit(auth);
    if (verdict) {
      const rl = this.cfg.rateLimit;
      // Laravel's throttle middleware: limit and remaining on every response, the reset (an
      // epoch in seconds, by the clock of the Date header) with a 429.
      if (rl.headers) {
        res.setHeader("X-RateLimit-Limit", String(verdict.limit));
        res.setHeader("X-RateLimit-Remaining", String(verdict.remaining));
      }
      if (!verdict.ok) {
        const headers = rl.retryAfter ? { "Retry-After": String(verdict.retryAfter) } : {};
        if (rl.headers) headers["X-RateLimit-Reset"] = String(Math.floor(this.now() / 1000) + verdict.resetIn);
        return send(429, rl.emptyBody ? "" : { message: "Too Many Requests" }, headers);
      }
    }

    let result;
    // Laravel's router: a trailing slash names the same route, and HEAD is answered as GET is
    // (Node sends no body for HEAD).
    const route = path.length > 4 && path.endsWith("/") ? path.slice(0, -1) : path;
    const read = method === "GET" || method === "HEAD";
    if (route === "/v1/users") {
      if (read) {
        this._runTriggers(route, page);
        result = listUsers(this, url, this._origin(req), { page, foreignNext: mode === "foreign_next" });
      } else if (method === "POST") result = upsertUser(this, rawBody);
      else result = { status: 405, body: { message: `The ${method} method is not supported for this route. Supported methods: GET, HEAD, POST.` } };
    } else {
      const m = /^\/v1\/users\/([^/]+)$/.exec(route);
      if (m && read) result = getUser(this, decodeURIComponent(m[1]));
      else if (m) result = { status: 405, body: { message: `The ${method} method is not supported for this route. Supported methods: GET, HEAD.` } };
      else result = { status: 404, body: { message: "Resource not found." } };
    }
    return send(result.status, result.body, result.headers ?? {}, mode === "truncated" ? "truncated" : null);
  }

  handleForeign(req, res) {
    const url = new URL(req.url, "http://foreign.invalid");
    this._cors(res);
    const entry = {
      method: req.method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      status: 200,
      time: Date.now(),
      t: performance.now(),
      authorization: req.headers.authorization !== undefined,
      userAgent: req.headers["user-agent"] ?? null,
    };
    this._foreignLog.push(entry);
    req.resume();
    if (req.method === "OPTIONS") {
      entry.status = 204;
      return this._preflight(req, res);
    }
    const body = JSON.stringify({
      data: [],
      links: { first: null, last: null, prev: null, next: null },
      meta: { current_page: 1, from: null, to: null, path: `${this.foreignUrl}${url.pathname}`, per_page: this.cfg.perPage, total: 0 },
    });
    res.writeHead(200, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) });
    res.end(body);
  }
}

export { toMs };
