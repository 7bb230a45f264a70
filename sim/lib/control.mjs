// HTTP control surface under /__sim/ (no auth, CORS enabled, JSON in and out).
// Every route maps onto a programmatic method of the simulator.
import { refuseUnknown } from "./refuse-unknown.mjs";

// A body is the object itself or that object wrapped in its named key ({"patch": {...}}). A
// wrapper with another key beside it used to be taken for the object itself, so what it wrapped
// was ignored without a word: it is refused.
function unwrap(body, key) {
  if (!body || typeof body !== "object" || Array.isArray(body) || !(key in body)) return body ?? {};
  const others = Object.keys(body).filter((k) => k !== key);
  if (others.length) {
    const e = new Error(`the body has ${others.map((k) => JSON.stringify(k)).join(", ")} beside the wrapper ${JSON.stringify(key)}: send {${JSON.stringify(key)}: {...}} alone, or the object itself`);
    e.status = 400;
    throw e;
  }
  return body[key];
}

export function handleControl(sim, req, res, url, rawBody) {
  const send = (status, body) => {
    const text = body === undefined ? "" : JSON.stringify(body);
    res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
    res.end(text);
  };
  let body = {};
  if (rawBody && rawBody.trim()) {
    try {
      body = JSON.parse(rawBody);
    } catch {
      return send(400, { message: "Body is not valid JSON." });
    }
  }
  const m = req.method;
  const p = url.pathname.replace(/\/+$/, "");
  const origin = req.headers.host ? `http://${req.headers.host}` : sim.origin;
  try {
    let mm;
    if (p === "/__sim/info" && m === "GET") return send(200, sim.info(origin));
    if (p === "/__sim/log" && m === "GET") return send(200, sim.log());
    if (p === "/__sim/log" && m === "DELETE") return sim.clearLog(), send(200, { ok: true });
    if (p === "/__sim/foreign-log" && m === "GET") return send(200, sim.foreignLog());
    if (p === "/__sim/foreign-log" && m === "DELETE") return sim.clearForeignLog(), send(200, { ok: true });
    if (p === "/__sim/clock" && m === "GET") return send(200, { now: sim.now(), iso: new Date(sim.now()).toISOString(), frozen: sim.store.frozen !== null });
    if (p === "/__sim/clock" && m === "POST") {
      refuseUnknown(body, ["now", "advanceMs", "real"], "clock"); // {nwo: ...} was a silent no-op
      if (body.real) sim.useRealClock();
      else if (body.now !== undefined) sim.setClock(body.now);
      else if (body.advanceMs !== undefined) sim.advanceClock(body.advanceMs);
      return send(200, { now: sim.now(), iso: new Date(sim.now()).toISOString(), frozen: sim.store.frozen !== null });
    }
    if (p === "/__sim/config" && m === "GET") return send(200, sim.config());
    if (p === "/__sim/config" && m === "POST") return send(200, sim.configure(unwrap(body, "partial")));
    if (p === "/__sim/faults" && m === "POST") return send(200, { id: sim.injectFault(unwrap(body, "fault")) });
    if (p === "/__sim/faults" && m === "DELETE") return sim.clearFaults(), send(200, { ok: true });
    if (p === "/__sim/faults" && m === "GET") return send(200, sim.faults);
    if (p === "/__sim/on-page" && m === "POST") return send(200, { id: sim.onPage(unwrap(body, "trigger")) });
    if (p === "/__sim/on-page" && m === "DELETE") return sim.clearTriggers(), send(200, { ok: true });
    if (p === "/__sim/reset" && m === "POST") {
      refuseUnknown(body, ["users", "seed"], "reset"); // {user: 5} was a reset with the old count
      sim.reset({ users: body.users, seed: body.seed });
      return send(200, sim.info(origin));
    }
    if (p === "/__sim/users" && m === "GET") return send(200, sim.listAll());
    if (p === "/__sim/users" && m === "POST") return send(201, sim.createUser(unwrap(body, "fields")));
    if ((mm = /^\/__sim\/users\/(\d+)$/.exec(p))) {
      const id = Number(mm[1]);
      if (m === "GET") {
        const u = sim.getUser(id);
        return u ? send(200, u) : send(404, { message: "Resource not found." });
      }
      if (m === "PATCH") return send(200, sim.updateUser(id, unwrap(body, "patch")));
      if (m === "DELETE") {
        return sim.deleteUser(id) ? send(200, { deleted: true }) : send(404, { message: "Resource not found." });
      }
    }
    if ((mm = /^\/__sim\/users\/(\d+)\/email$/.exec(p)) && m === "POST") return send(200, sim.changeEmail(Number(mm[1]), body.email));
    if ((mm = /^\/__sim\/users\/(\d+)\/anonymize$/.exec(p)) && m === "POST") return send(200, sim.anonymizeUser(Number(mm[1])));
    if ((mm = /^\/__sim\/users\/(\d+)\/participations$/.exec(p)) && m === "POST") {
      return send(201, sim.addParticipation(Number(mm[1]), unwrap(body, "participation")));
    }
    if ((mm = /^\/__sim\/users\/(\d+)\/participations\/(\d+)$/.exec(p))) {
      if (m === "PATCH") return send(200, sim.updateParticipation(Number(mm[1]), Number(mm[2]), unwrap(body, "patch")));
      if (m === "DELETE") {
        return sim.removeParticipation(Number(mm[1]), Number(mm[2])) ? send(200, { deleted: true }) : send(404, { message: "Resource not found." });
      }
    }
    return send(404, { message: `No control route ${m} ${p}` });
  } catch (e) {
    return send(e.status ?? 400, { message: String(e.message ?? e) });
  }
}
