// VomoClient pagination safety and body errors over real HTTP (issue 4, items 2 and 5):
// foreign next links and redirects, repeated pages, runaway listings, non-JSON and
// truncated bodies, spec-gap links, and one real server response per error kind.
import test from "node:test";
import assert from "node:assert/strict";
import { VomoClient, VomoError, importRoster } from "vomo-users";
import { startSimulator } from "vomo-users/sim";
import { rejects, fastClient, sent } from "./helpers.mjs";

const TOKEN = "tok-Zq9-SECRET-7731-safety";

async function sim(t, options = {}) {
  const s = await startSimulator({ port: 0, users: 60, seed: 9, now: "2026-01-01T00:00:00Z", token: TOKEN, ...options });
  t.after(() => s.close());
  return s;
}
const client = fastClient;
/** Iterates a listing, keeping the users it delivered before it failed. */
async function drain(c, filters) {
  const users = [];
  try {
    for await (const u of c.listUsers(filters)) users.push(u);
  } catch (error) {
    return { users, error };
  }
  return { users, error: null };
}
async function rawPage(s, page) {
  const res = await fetch(`${s.url}/users?page=${page}`, { headers: { Authorization: `Bearer ${s.token}` } });
  return res.json();
}

test("safety: a links.next to another origin stops with unsafe_link and the foreign origin gets nothing", async (t) => {
  const s = await sim(t);
  s.injectFault({ path: "/v1/users", page: 2, type: "foreign_next" });
  const { users, error } = await drain(client(s));
  assert.ok(error instanceof VomoError && error.kind === "unsafe_link", String(error));
  assert.equal(error.retryable, false);
  assert.equal(users.length, 30, "the pages fetched before the foreign link are still delivered");
  assert.equal(s.foreignLog().length, 0, "no request reached the foreign origin");
  assert.equal(sent(s).length, 2);
  s.clearLog();
  assert.equal((await client(s).listAllUsers()).length, 60, "the fault is used up: a clean listing");
});

test("safety: a redirect to another origin is refused as unsafe_link, for lists, details and upserts", async (t) => {
  const s = await sim(t);
  const c = client(s);
  s.injectFault({ path: "/v1/users", type: "redirect" });
  let e = await rejects(c.listAllUsers(), "unsafe_link");
  assert.equal(e.status, 302);
  s.injectFault({ path: "/v1/users/*", type: "redirect" });
  await rejects(c.getUser(1001), "unsafe_link");
  s.injectFault({ method: "POST", type: "redirect" });
  await rejects(c.upsertUser({ firstName: "R", lastName: "D", email: "redirect@example.org" }), "unsafe_link");
  assert.equal(s.foreignLog().length, 0, "the redirect target received no request");
  assert.equal(sent(s).length, 3, "nothing retried");
});

test("safety: a same-origin redirect is followed", async (t) => {
  const s = await sim(t);
  s.injectFault({ path: "/v1/users", page: 1, type: "status", status: 302, body: "",
                  headers: { Location: `${s.url}/users?page=1&moved=1` } });
  const users = await client(s).listAllUsers();
  assert.equal(users.length, 60);
  assert.deepEqual(sent(s)[1].query, { page: "1", moved: "1" });
  assert.equal(s.foreignLog().length, 0);
});

test("safety: a redirected upsert is followed as fetch follows it: 303 (and 301/302 of a POST) by a GET without the body, 307 and 308 by the same POST", async (t) => {
  const s = await sim(t);
  const target = s.listAll()[0];
  const input = { firstName: "Re", lastName: "Direct", email: target.email, phone: "555-0199" };
  for (const [status, methods] of [[303, ["POST", "GET"]], [302, ["POST", "GET"]], [301, ["POST", "GET"]], [307, ["POST", "POST"]], [308, ["POST", "POST"]]]) {
    s.clearLog();
    const location = status >= 307 ? `${s.url}/users?moved=1` : `${s.url}/users/${target.id}`;
    s.injectFault({ method: "POST", path: "/v1/users", type: "status", status, body: "", times: 1, headers: { Location: location } });
    const r = await client(s).upsertUser(input);
    assert.equal(r.user.id, target.id, String(status));
    assert.deepEqual(sent(s).map((e) => e.method), methods, `${status}: ${sent(s).map((e) => `${e.method} ${e.path}`).join(", ")}`);
  }
  assert.equal(s.foreignLog().length, 0);
});

test("safety: a links.next that repeats a fetched page stops with parse naming links.next", async (t) => {
  const s = await sim(t);
  const page2 = await rawPage(s, 2);
  page2.links.next = `${s.url}/users?page=2`;
  s.clearLog();
  s.injectFault({ path: "/v1/users", page: 2, type: "status", status: 200, body: page2, times: "always" });
  const { users, error } = await drain(client(s));
  assert.equal(error?.kind, "parse", String(error));
  assert.match(error.message, /links\.next/);
  assert.equal(users.length, 30);
  assert.equal(sent(s).length, 2, "the repeated page is not requested again");
});

test("safety: a listing running far past meta.total stops with parse", async (t) => {
  const s = await sim(t);
  const base = await rawPage(s, 1);
  s.clearLog();
  for (let p = 1; p <= 30; p++) {
    const body = structuredClone(base);
    body.data = body.data.map((u, i) => ({ ...u, id: 50000 + p * 100 + i }));
    body.meta = { ...body.meta, current_page: p, total: 15 }; // claims a single page
    body.links = { ...body.links, next: `${s.url}/users?page=${p + 1}` };
    s.injectFault({ path: "/v1/users", page: p, type: "status", status: 200, body });
  }
  const { users, error } = await drain(client(s));
  assert.equal(error?.kind, "parse", String(error));
  assert.match(error.message, /total/);
  const n = sent(s).length;
  assert.ok(n >= 2 && n <= 5, `stopped after ${n} pages for a total of 15 (one page)`);
  assert.equal(users.length, n * 15);
});

test("safety: a growing set may run a little past the first meta.total", async (t) => {
  const s = await sim(t, { users: 45 });
  s.onPage({ page: 2, path: "/v1/users", actions: [{ type: "create", count: 20 }] });
  const users = await client(s).listAllUsers();
  assert.equal(users.length, 65);
  assert.equal(new Set(users.map((u) => u.id)).size, 65);
});

test("safety: null, \"null\" and \"\" next links end the listing", async (t) => {
  const s = await sim(t, { quirks: { nullStringLinks: true, stringMeta: true } });
  assert.equal((await client(s).listAllUsers()).length, 60);
  assert.equal(sent(s).length, 4);
  const last = await rawPage(s, 4);
  last.links.next = "";
  s.clearLog();
  s.injectFault({ path: "/v1/users", page: 4, type: "status", status: 200, body: last });
  assert.equal((await client(s).listAllUsers()).length, 60);
  assert.equal(sent(s).length, 4);
});

test("safety: non-JSON and truncated bodies are parse errors naming the request and the JSON path", async (t) => {
  const s = await sim(t);
  const c = client(s);
  s.injectFault({ path: "/v1/users", type: "nonjson" });
  let e = await rejects(c.listAllUsers(), "parse");
  assert.match(e.message, /\/v1\/users/);
  assert.match(e.message, /\$/);
  assert.equal(e.retryable, false);
  s.injectFault({ path: "/v1/users", page: 2, type: "truncated" });
  const { users, error } = await drain(c);
  assert.equal(error?.kind, "parse");
  assert.match(error.message, /\$/);
  assert.equal(users.length, 15);
  s.injectFault({ path: "/v1/users/*", type: "truncated" });
  e = await rejects(c.getUser(1001), "parse");
  assert.match(e.message, /\/v1\/users\/1001/);
  s.injectFault({ path: "/v1/users", type: "status", status: 200, body: { links: {}, meta: {} } });
  e = await rejects(c.listAllUsers(), "parse");
  assert.match(e.message, /data/);
  s.injectFault({ method: "POST", type: "nonjson" });
  await rejects(c.upsertUser({ firstName: "N", lastName: "J", email: "nonjson@example.org" }), "parse");
});

test("errors: a base URL without the API's path (no /v1): listing, upsert and import say to check baseUrl; a missing user is still null", async (t) => {
  const s = await sim(t);
  const bare = new VomoClient({ token: s.token, baseUrl: s.url.replace(/\/v1$/, ""), maxRetries: 0 });
  const hint = /: 404 Not Found.*; no users endpoint at this base URL: check baseUrl, which includes the API's path \(such as https:\/\/api\.vomo\.org\/v1\)$/;
  // Before, `GET /users: 404 Not Found (...)`, which did not say what to mend.
  assert.match((await rejects(bare.listAllUsers(), "not_found")).message, hint);
  assert.match((await rejects(bare.upsertUser({ firstName: "A", lastName: "B", email: "a@b.org" }), "not_found")).message, hint);
  assert.match((await rejects(importRoster(bare, [{ firstName: "A", lastName: "B", email: "a@b.org" }]), "not_found")).message, hint);
  assert.equal(await client(s).getUser(999_999), null, "a user that is not there is no error");
  // A 410 is not_found too, and its message quotes the status the server sent (it said 404).
  s.injectFault({ path: "/v1/users", type: "status", status: 410, body: { message: "Gone." } });
  const gone = await rejects(client(s, { maxRetries: 0 }).listAllUsers(), "not_found");
  assert.equal(gone.status, 410);
  assert.match(gone.message, /^GET \/v1\/users: 410 Gone \(Gone\.\); no users endpoint at this base URL/);
  s.injectFault({ path: "/v1/users/1001", type: "status", status: 410 });
  assert.equal(await client(s).getUser(1001), null, "getUser: a 410 is a user not there, as a 404");
});

test("errors: every client-side kind from a real server response", async (t) => {
  const s = await sim(t);
  const c = client(s, { maxRetries: 0, timeoutMs: 200 });
  const cases = [
    ["auth", 401, () => new VomoClient({ token: "wrong-token", baseUrl: s.url }).getUser(1001)],
    ["forbidden", 403, () => new VomoClient({ token: s.forbiddenToken, baseUrl: s.url }).listAllUsers()],
    ["auth", 401, () => { s.injectFault({ type: "unauthorized" }); return c.listAllUsers(); }],
    ["not_found", 404, () => { s.injectFault({ path: "/v1/users", type: "status", status: 404, body: { message: "Resource not found." } }); return c.listAllUsers(); }],
    ["rate_limited", 429, () => { s.injectFault({ type: "status", status: 429, headers: { "Retry-After": "0" } }); return c.getUser(1001); }],
    ["server", 500, () => { s.injectFault({ type: "status", status: 500 }); return c.getUser(1001); }],
    ["server", 502, () => { s.injectFault({ type: "status", status: 502, body: "<html>Bad Gateway</html>" }); return c.getUser(1001); }],
    ["network", null, () => { s.injectFault({ type: "reset" }); return c.getUser(1001); }],
    ["timeout", null, () => { s.injectFault({ type: "stall" }); return c.getUser(1001); }],
    ["parse", 200, () => { s.injectFault({ type: "nonjson" }); return c.getUser(1001); }], // an answer that came, unreadable
    ["unsafe_link", null, () => { s.injectFault({ type: "foreign_next" }); return c.listAllUsers(); }],
  ];
  for (const [kind, status, run] of cases) {
    const e = await rejects(run(), kind);
    if (status !== null) assert.equal(e.status, status, `${kind}: ${e.message}`);
    assert.equal(e.retryable, ["rate_limited", "server", "network", "timeout"].includes(kind), kind);
    assert.equal(e.fields === null, kind !== "validation", kind);
    assert.equal(e.name, "VomoError");
    assert.equal(typeof e.message, "string");
  }
  const v = await rejects(c.upsertUser({ firstName: "A", lastName: "B", email: "a@b.org", password: "short" }), "validation");
  assert.equal(v.status, 422);
  assert.deepEqual(Object.keys(v.fields), ["password"]);
});

// Issue 9.1: links that a naive origin check reads as the API's origin while fetch (WHATWG)
// sends them elsewhere. The simulator's second listener stands for the foreign host.
function trickyForeignLinks(s) {
  const api = new URL(s.url);           // http://127.0.0.1:API/v1
  const foreign = new URL(s.foreignUrl); // http://127.0.0.1:F
  const F = foreign.port, A = api.port, H = api.hostname;
  return [
    `http://${H}:${F}\\@${H}:${A}/v1/users?page=2`,         // the review's link
    `http://${H}:${F}\\\\@${H}:${A}/v1/users?page=2`,
    `http://${H}:${F}/@${H}:${A}/v1/users?page=2`,
    `http://${H}:${A}@${H}:${F}/v1/users?page=2`,            // userinfo that looks like the API
    `http://user:pw@${H}:${F}/v1/users?page=2`,
    `//${H}:${F}/v1/users?page=2`,                           // protocol-relative
    `\\\\${H}:${F}/v1/users?page=2`,
    `/\\${H}:${F}/v1/users?page=2`,
    `HTTP://${H}:${F}/v1/users?page=2`,                      // upper-case scheme
    `ht\ttp://${H}:${F}/v1/users?page=2`,                    // a tab inside the scheme
    `http://${H}:${F}\n/v1/users?page=2`,
    `http://%31%32%37.0.0.1:${F}/v1/users?page=2`,          // percent-encoded host
    `http://localhost:${F}/v1/users?page=2`,
    `http://b\u00fccher.example:${F}/v1/users?page=2`,      // IDN host
    `http://${H}:${A}@${H}:${F}\\v1\\users?page=2`,
  ];
}

test("safety: tricky next links to the foreign host end with unsafe_link and the foreign host receives nothing", async (t) => {
  const s = await sim(t);
  const page1 = await rawPage(s, 1);
  for (const link of trickyForeignLinks(s)) {
    s.clearLog();
    s.clearForeignLog?.();
    s.injectFault({ path: "/v1/users", page: 1, type: "status", status: 200, body: { ...page1, links: { ...page1.links, next: link } } });
    const { users, error } = await drain(client(s));
    assert.ok(error instanceof VomoError && error.kind === "unsafe_link", `${JSON.stringify(link)}: ${error}`);
    assert.equal(users.length, 15, "the first page is still delivered");
    assert.equal(sent(s).length, 1, `${JSON.stringify(link)}: no second request anywhere`);
    assert.doesNotMatch(error.message, new RegExp(s.token), "no token in the message");
  }
  assert.equal(s.foreignLog().length, 0, "the foreign listener received no request");
});

test("safety: tricky next links that stay on the API's origin are followed as the URL that was checked", async (t) => {
  const s = await sim(t);
  const api = new URL(s.url);
  const page1 = await rawPage(s, 1);
  const forms = [
    `HTTP://${api.host}/v1/users?page=2`,
    `http://${api.host}\\v1\\users?page=2`,
    `/v1/users?page=2`,
    `?page=2`,
    `http://${api.host}/v1/us\ters?page=2`,
  ];
  for (const link of forms) {
    s.clearLog();
    s.injectFault({ path: "/v1/users", page: 1, type: "status", status: 200, body: { ...page1, links: { ...page1.links, next: link } } });
    const users = await client(s).listAllUsers();
    assert.equal(users.length, 60, JSON.stringify(link));
    const second = sent(s)[1];
    assert.equal(second.path, "/v1/users", JSON.stringify(link));
    assert.equal(second.query.page, "2", JSON.stringify(link));
  }
  assert.equal(s.foreignLog().length, 0);
});

test("safety: redirects with userinfo, backslashes or protocol-relative Locations to the foreign host are refused", async (t) => {
  const s = await sim(t);
  const c = client(s);
  const locations = trickyForeignLinks(s).filter((l) => !l.includes("\n"));
  for (const location of locations) {
    s.injectFault({ path: "/v1/users/*", type: "status", status: 302, body: "", headers: { Location: location } });
    const e = await rejects(c.getUser(1001), "unsafe_link");
    assert.equal(e.status, 302, location);
  }
  assert.equal(s.foreignLog().length, 0, "the foreign listener received no request");
});

// Differential, against this platform's own fetch: the ports VomoClient refuses in `baseUrl`
// are those Node's fetch refuses to connect to ("bad port": the Fetch standard's list), and
// port 0. Every port up to 11,000 (the list ends at 10080) and a sample of the rest.
test("baseUrl: the ports refused are exactly the ones this platform's fetch refuses, plus 0", async () => {
  const ports = [...Array(11_001).keys()];
  for (let p = 11_001; p <= 65_535; p += 97) ports.push(p);
  const fetchRefuses = new Set();
  let next = 0;
  const probe = async () => {
    while (next < ports.length) {
      const port = ports[next++];
      try {
        await fetch(`http://127.0.0.1:${port}/v1/users`, { signal: AbortSignal.timeout(2_000) });
      } catch (e) {
        if (/bad port/.test(String(e?.cause?.message))) fetchRefuses.add(port);
      }
    }
  };
  await Promise.all(Array.from({ length: 64 }, probe));
  assert.ok(fetchRefuses.has(6000) && fetchRefuses.size > 70, `Node's fetch names its bad ports (${fetchRefuses.size})`);
  const mismatched = [];
  for (const port of ports) {
    let refused = null;
    try {
      new VomoClient({ token: "t", baseUrl: `http://127.0.0.1:${port}/v1` });
    } catch (e) {
      refused = e;
    }
    const expected = port === 0 || fetchRefuses.has(port);
    if (expected !== (refused !== null)) mismatched.push(port);
    if (refused) {
      assert.equal(refused.kind, "invalid_input");
      assert.match(refused.message, new RegExp(`^VomoClient: baseUrl: fetch refuses to connect to port ${port} \\(the Fetch standard's "bad ports"`));
    }
  }
  assert.deepEqual(mismatched, []);
});
