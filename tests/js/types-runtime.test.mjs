// Drift check for everything the client, poller and import return or hand to callbacks
// (issue 10, item 6): real output from the installed package, against the simulator over
// HTTP, written as typed literals and compiled by `tsc` against the package's .d.ts. A
// property the types do not declare, one they declare but the package does not send, or a
// null where the types say never, fails to compile. The error kinds, filter names and
// participation modes, and the upsert and roster fields in the .d.ts must equal the Rust
// core's `policy()` (serde's own names of its structs).
import test from "node:test";
import assert from "node:assert/strict";
import {
  VomoError, UserPoller, MemoryStore, importRoster, findOrCreateUser, parseUserPage, parseRosterCsv,
  diffParticipations, policy,
} from "vomo-users";
import { startSimulator } from "vomo-users/sim";
import { frozenWorld, tick, fastClient } from "./helpers.mjs";
import { compile, typedLiterals } from "./types/tsc.mjs";

const TYPES = ["User", "UserDetail", "Page", "VomoError", "ClientStats", "UpsertResult", "FindOrCreateResult",
  "RequestLogEntry", "PollResult", "PollerHealth", "ReconcileResult", "ReconcileProgress", "UserChangeEvent", "ParticipationChangeEvent",
  "DeadLetterEvent", "ImportProgress", "ImportResult", "ParsedRoster", "ParticipationDiff", "Policy",
  "VomoErrorKind", "UserFilters", "UserPollerOptions", "UpsertUserInput", "RosterRecord"];

/** A VomoError (or any thrown Error) as a plain object: every own property, plus name and
 *  message, and its toJSON method as a marker that `withMethods` turns into a function. */
const METHOD = "__a method__";
const errorObject = (e) => ({ ...e, name: e.name, message: e.message, ...(typeof e.toJSON === "function" ? { toJSON: METHOD } : {}) });
const withMethods = (source) => source.replaceAll(`"toJSON": "${METHOD}"`, '"toJSON": () => (undefined as any)');
const caught = async (fn) => { try { await fn(); } catch (e) { return e; } assert.fail("expected a throw"); };

async function collect(t) {
  const out = [];
  const add = (type, value) => out.push([`s${out.length}`, type, value]);
  const { sim } = await frozenWorld(t, { startSimulator, users: 20, seed: 11 });
  const log = [];
  const client = fastClient(sim, { log: (e) => log.push(e), maxRetries: 1 });

  // client
  const users = await client.listAllUsers();
  add("User[]", users.slice(0, 3));
  for await (const page of client.listUserPages({ nameLike: "a" })) { add("Page<User>", page); break; }
  add("UserDetail | null", await client.getUser(users[0].id));
  add("UserDetail | null", await client.getUser(987654));
  const up = { firstName: "Ty", lastName: "Pes", email: "ty.pes@example.org", gender: "f", role: "organizer" };
  add("UpsertResult", await client.upsertUser(up));
  add("UpsertResult", await client.upsertUser(up));
  add("User | null", await client.findUserByEmail("TY.PES@example.org"));
  add("User | null", await client.findUserByEmail("nobody@example.org"));
  add("FindOrCreateResult", await findOrCreateUser(client, "new.one@example.org", { firstName: "New", lastName: "One" }));
  // errors of every origin: JS input checks, Rust input checks, HTTP statuses, parsing, aborts
  sim.injectFault({ method: "POST", path: "/v1/users", type: "status", status: 422,
    body: { message: "invalid", errors: { email: ["The email has already been taken."] } } });
  const errors = [
    await caught(() => client.upsertUser({ firstName: "No", lastName: "Email" })),
    await caught(() => client.upsertUser(up)),
    await caught(() => client.getUser(1, { maxRetries: -1 })),
    await caught(() => parseUserPage("<html>")),
    await caught(() => client.getUser(users[0].id, { signal: AbortSignal.abort() })),
  ];
  sim.injectFault({ path: "/v1/users/*", type: "status", status: 503, times: "always" });
  errors.push(await caught(() => client.getUser(users[0].id, { maxRetries: 0 })));
  sim.clearFaults();
  assert.deepEqual(errors.map((e) => e.kind), ["invalid_input", "validation", "invalid_input", "parse", "aborted", "server"]);
  assert.ok(errors.every((e) => e instanceof VomoError && typeof e.toJSON === "function"));
  add("VomoError[]", errors.map(errorObject));
  add("RequestLogEntry[]", log);
  add("ClientStats", client.stats());

  // poller: listed and detailed users, participations, dead letters, health, reconcile
  const events = { user: [], participation: [], dead: [] };
  const failOnce = new Set([users[2].id]);
  const handlers = {
    onUser: (e) => {
      events.user.push(e);
      if (failOnce.delete(e.user.id)) throw new Error("handler failed once");
    },
    onParticipation: (e) => { events.participation.push(e); },
    onDeadLetter: (e) => { events.dead.push({ ...e, error: errorObject(e.error) }); },
  };
  const listed = new UserPoller({ client, store: new MemoryStore(), customerId: "listed", ...handlers });
  add("PollerHealth", listed.health());
  add("PollResult", await listed.poll());
  const detailed = new UserPoller({ client, store: new MemoryStore(), customerId: "detailed", participations: "changed-users", ...handlers });
  add("PollResult", await detailed.poll({ maxRequests: 3 }));
  add("PollResult", await detailed.poll());
  const id = users[4].id;
  sim.addParticipation(id, { project_date_id: 770001, hours: 2 });
  sim.updateUser(id, { phone: "555-0100" });
  sim.anonymizeUser(users[5].id);
  const broken = { ...sim.createUser({ email: "broken@example.org" }), id: 990001 };
  delete broken.email;
  tick(sim);
  await detailed.poll();
  sim.updateParticipation(id, 770001, { hours: 4 });
  sim.updateUser(id, { phone: "555-0101" });
  tick(sim);
  await detailed.poll();
  sim.removeParticipation(id, 770001);
  sim.updateUser(id, { phone: "555-0102" });
  sim.injectFault({ method: "GET", path: "/v1/users", type: "status", status: 200, times: 1, body: {
    data: [broken], links: { first: null, last: null, prev: null, next: null },
    meta: { current_page: 1, from: 1, to: 1, path: `${sim.url}/users`, per_page: 15, total: 1 } } });
  tick(sim);
  await listed.poll();
  await detailed.poll();
  sim.deleteUser(users[6].id);
  const reconciling = [];
  add("ReconcileResult", await listed.reconcile({ onProgress: (p) => reconciling.push(p) }));
  assert.deepEqual([...new Set(reconciling.map((p) => p.phase))], ["listing", "confirming"]);
  for (const p of reconciling) add("ReconcileProgress", p);
  add("PollerHealth", listed.health());
  add("PollerHealth", await new UserPoller({ client, store: new MemoryStore(), customerId: "fresh" }).loadHealth());
  const kinds = (list) => new Set(list.map((e) => e.kind));
  assert.deepEqual([...kinds(events.participation)].sort(), ["added", "changed", "removed"]);
  assert.ok(events.user.some((e) => e.anonymized) && events.user.some((e) => "participations" in e.user));
  assert.ok(events.dead.some((d) => d.error.kind === "parse") && events.dead.some((d) => d.error.message === "handler failed once"));
  add("UserChangeEvent[]", events.user.slice(0, 40).concat(events.user.filter((e) => e.anonymized)));
  add("ParticipationChangeEvent[]", events.participation.slice(-6));
  add("DeadLetterEvent[]", events.dead);

  // import
  const progress = [];
  const roster = [
    { externalId: "crm-1", firstName: "Ana", lastName: "Lima", email: "ana.lima@example.org" },
    { externalId: "crm-2", firstName: "Bo", lastName: "Berg", email: "not-an-email" },
    { firstName: "Ty", lastName: "Pes", email: "ty.pes@example.org", role: "Volunteer" },
  ];
  const mapping = new Map();
  const mappingStore = { get: (k) => mapping.get(k) ?? null, set: (k, v) => { mapping.set(k, v); } };
  const first = await importRoster(client, roster, { mapping: mappingStore, onProgress: (p) => progress.push(p) });
  const moved = await importRoster(client, [{ ...roster[0], email: "ana.new@example.org" }], { mapping: mappingStore });
  assert.equal(moved.emailChanged.length, 1);
  for (const r of [first, moved]) add("ImportResult", { ...r, failed: r.failed.map((f) => ({ ...f, error: errorObject(f.error) })) });
  add("ImportProgress[]", progress);
  add("ParsedRoster", parseRosterCsv("\uFEFFExternal Id,First Name,Last Name,Email Address,Shoe Size\r\n7,Ann,Lee,ann@x.org,42\r\n8,\"Lee, Bo\",Park\r\n"));
  const changed = events.participation.find((e) => e.kind === "changed");
  add("ParticipationDiff", diffParticipations([changed.before], [changed.participation]));
  add("Policy", policy());
  return out;
}

/** Type-level equalities between the .d.ts and the core's lists. */
function equalities(p) {
  const union = (list) => list.map((x) => JSON.stringify(x)).join(" | ");
  return [
    "type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;",
    `export const errorKinds: Equal<VomoErrorKind, ${union(p.errorKinds)}> = true;`,
    `export const filterKeys: Equal<keyof UserFilters, ${union(p.filterKeys)}> = true;`,
    `export const upsertFields: Equal<keyof UpsertUserInput, ${union(p.upsertFields)}> = true;`,
    `export const rosterFields: Equal<keyof RosterRecord, ${union([...p.upsertFields, "externalId"])}> = true;`,
    `export const modes: Equal<NonNullable<UserPollerOptions["participations"]>, ${union(p.poller.participationModes)}> = true;`,
  ].join("\n") + "\n";
}

test("client, poller, import, error, log and policy outputs type-check exactly; kinds, filters and modes equal the core's", async (t) => {
  const samples = await collect(t);
  const r = compile(withMethods(typedLiterals(TYPES, samples)) + equalities(policy()));
  assert.ok(r.ok, r.out);
});

test("the runtime drift check fails on an extra property, a missing one, and a kind the core does not have", () => {
  const p = policy();
  const good = [["s0", "ClientStats", { requests: 1, retries: 0, rateLimited: 0, errors: 0 }]];
  assert.ok(compile(typedLiterals(TYPES, good) + equalities(p)).ok, "the control compiles");
  const extra = [["s0", "ClientStats", { requests: 1, retries: 0, rateLimited: 0, errors: 0, bytes: 9 }]];
  const missing = [["s0", "PollerHealth", { stalled: false, lagMs: null }]];
  const moreKinds = { ...p, errorKinds: [...p.errorKinds, "teapot"] };
  assert.equal(compile(typedLiterals(TYPES, extra)).ok, false, "extra");
  assert.equal(compile(typedLiterals(TYPES, missing)).ok, false, "missing");
  assert.equal(compile(typedLiterals(TYPES, good) + equalities(moreKinds)).ok, false, "a kind the .d.ts lacks");
});
