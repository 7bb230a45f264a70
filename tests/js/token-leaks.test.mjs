// The token never leaves its origin and shows up nowhere, tried the ways an outside review
// found it could (2026-12-05): written by encoders the redaction did not list, cut short
// before redaction, carried by a page link into the stored state or into an error the poller
// raised itself, and sent to an earlier address by a page link saved before the API moved.
import test from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { VomoClient, UserPoller, MemoryStore, redactToken, VomoError } from "vomo-users";
import { startSimulator } from "vomo-users/sim";
import { frozenWorld } from "./helpers.mjs";

const TOKEN = "42|Sk9xQ2vR7tLmNpWz/Ab+Cd=EfGhIjKlMnOpQrStUvWxYz01"; // Sanctum's shape, with / + =

/** Every start of `token` of 4 or more characters that `text` holds (a leak, whole or cut). */
function leaked(text, token = TOKEN) {
  const s = String(text);
  for (let n = token.length; n >= 4; n--) if (s.includes(token.slice(0, n))) return token.slice(0, n);
  for (const form of [encodeURIComponent(token), encodeURI(token)]) if (s.includes(form)) return form;
  return null;
}

/** A local API whose pages are `page(url)` (JSON), with a Date header; closed after the test. */
async function api(t, page) {
  const requests = [];
  const server = createServer((req, res) => {
    requests.push({ url: req.url, auth: req.headers.authorization });
    const { status = 200, body, type = "application/json" } = page(new URL(req.url, "http://x"), req);
    res.writeHead(status, { "content-type": type, date: new Date().toUTCString() });
    res.end(typeof body === "string" ? body : JSON.stringify(body));
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  t.after(() => new Promise((ok) => { server.closeAllConnections(); server.close(ok); }));
  return { url: `http://127.0.0.1:${server.address().port}/v1`, requests };
}

const wireUser = (id, extra = {}) => ({ id, first_name: "A", last_name: "B", email: `u${id}@example.org`,
  created_at: "2026-01-01T00:00:00+00:00", updated_at: "2026-01-01T00:00:00+00:00", ...extra });

test("redactToken finds the token as the platform's own encoders write it, and cut short before a `...` or the end", () => {
  let seed = 11;
  const random = (n) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  const visible = Array.from({ length: 94 }, (_, i) => String.fromCharCode(33 + i)).join("");
  const html = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#039;");
  const encoders = {
    encodeURIComponent,
    encodeURI,
    "Python quote": (s) => encodeURIComponent(s).replace(/%2F/g, "/"),
    "lower-case hex": (s) => encodeURIComponent(s).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
    "JSON.stringify": (s) => JSON.stringify(s).slice(1, -1),
    "PHP json_encode": (s) => JSON.stringify(s).slice(1, -1).replace(/\//g, "\\/"),
    "JSON \\u escapes": (s) => [...s].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`).join(""),
    "HTML escape": html,
    "URLSearchParams": (s) => new URLSearchParams({ t: s }).toString().slice(2),
  };
  for (let round = 0; round < 200; round++) {
    const token = Array.from({ length: 8 + random(50) }, () => visible[random(visible.length)]).join("");
    for (const [name, encode] of Object.entries(encoders)) {
      const written = encode(token);
      assert.equal(redactToken(`before ${written} after`, token), "before [redacted] after", `${name}: ${JSON.stringify(token)} as ${written}`);
    }
    const cut = token.slice(0, 4 + random(token.length - 4));
    assert.equal(redactToken(`body: ${cut}...`, token), "body: [redacted]...", `cut: ${cut}`);
    assert.equal(redactToken(`ends ${cut}`, `Bearer ${token}`), "ends [redacted]", "as the client takes it");
  }
  assert.equal(redactToken("an ordinary line, 42|Sk and %7C", TOKEN), "an ordinary line, 42|Sk and %7C");
  assert.throws(() => redactToken(null, TOKEN), (e) => e instanceof VomoError && e.kind === "invalid_input");
});

test("poller: a page link that carries the token is never followed (the walk reads its pages by the `page` parameter) nor stored, and an error about it is redacted", async (t) => {
  // Page 1 links to page 2 with the token in its query; page 2 links to itself (a loop).
  const server = await api(t, (url) => {
    const n = Number(url.searchParams.get("page") ?? 1);
    const next = n === 1 ? `${url.pathname}${url.search}&page=2&access_token=${encodeURIComponent(TOKEN)}` : `${url.pathname}${url.search}`;
    return { body: { data: [wireUser(n)], links: { next }, meta: { total: 5, per_page: 1, current_page: n } } };
  });
  const store = new MemoryStore();
  const poller = new UserPoller({ client: new VomoClient({ token: TOKEN, baseUrl: server.url, requestsPerSecond: 500, maxRetries: 0 }),
    store, customerId: "acme", onUser() {} });
  await poller.poll({ maxRequests: 1 });
  for (const key of store.keys()) assert.equal(leaked(store.get(key)), null, `stored under ${key}`);
  const e = await poller.poll().then(() => null, (x) => x);
  assert.ok(e instanceof VomoError, "the looping link ends the poll");
  assert.match(e.message, /repeats an already fetched page/);
  assert.equal(leaked(e.message), null, e.message);
  assert.ok(server.requests.some((r) => /[?&]page=2(&|$)/.test(r.url)), "page 2 was read");
  assert.ok(server.requests.every((r) => !r.url.includes("access_token=")), "by the page parameter, not by the link");
  for (const key of store.keys()) assert.equal(leaked(store.get(key)), null, `stored under ${key}`);
});

test("redactToken finds the token escaped again by the same encoder or another (up to four layers), and its start before a `#`", () => {
  let seed = 29;
  const random = (n) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  const visible = Array.from({ length: 94 }, (_, i) => String.fromCharCode(33 + i)).join("");
  const html = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#039;");
  // PHP's htmlentities(..., ENT_HTML5) names every punctuation character it has a name for.
  const names = { "&": "amp", "<": "lt", ">": "gt", '"': "quot", "'": "apos", "/": "sol", "+": "plus", "=": "equals", "|": "verbar",
    "%": "percnt", "#": "num", "(": "lpar", ")": "rpar" };
  const html5 = (s) => s.replace(/[&<>"'/+=|%#()]/g, (c) => `&${names[c]};`);
  const json = (s) => JSON.stringify(s).slice(1, -1);
  const encoders = [encodeURIComponent, encodeURI, html, html5, json];
  for (let round = 0; round < 300; round++) {
    const token = Array.from({ length: 8 + random(40) }, () => visible[random(visible.length)]).join("");
    const chain = Array.from({ length: 2 + random(3) }, () => encoders[random(encoders.length)]);
    const written = chain.reduce((s, encode) => encode(s), token);
    assert.equal(redactToken(`before ${written} after`, token), "before [redacted] after",
      `${chain.map((f) => f.name).join(" then ")}: ${JSON.stringify(token)} as ${written}`);
  }
  // The cases an outside pass named (2026-12-06).
  assert.equal(redactToken(`t=${TOKEN.replace(/\//g, "%26sol%3B")}.`, TOKEN), "t=[redacted].");
  const quoted = 'Sk9x"Q2vR\\7tLm/NpWz';
  assert.equal(redactToken(`{"body":${JSON.stringify(JSON.stringify({ t: quoted }))}}`, quoted), '{"body":"{\\"t\\":\\"[redacted]\\"}"}');
  // A link keeps its query up to a `#`; the token's rest is its fragment, dropped.
  const hashed = "Qw3rTy9u#IoPa/SdFgHjKl";
  assert.equal(redactToken(`${new URL(`https://api.test/v1/users?t=${hashed}`).href} said 500`, hashed), "https://api.test/v1/users?t=[redacted] said 500");
  assert.equal(redactToken("Qw3 and Qw3r", "Qw3#rTy9uIoPa"), "Qw3 and Qw3r", "fewer than 4 before the `#`: left");
});

test("an error page's excerpt is cut with `...`, and a token cut there is redacted; so is one cut in a warning", async (t) => {
  const server = await api(t, (url) => url.pathname.endsWith("/users/1")
    ? { body: { data: { ...wireUser(1, { gender: `${TOKEN}${TOKEN}` }), participations: [] } } }
    : { status: 503, type: "text/html", body: `<html><body><h1>Service unavailable</h1><p>for ${TOKEN}</p></body></html>` });
  const warnings = [];
  const client = new VomoClient({ token: TOKEN, baseUrl: server.url, maxRetries: 0, requestsPerSecond: 500, onWarning: (w) => warnings.push(w) });
  const e = await client.listAllUsers().then(() => null, (x) => x);
  assert.equal(e?.kind, "server");
  assert.match(e.message, /<html><body><h1>Service unavailable<\/h1><p>for \[redacted\]\.\.\./, e.message);
  assert.equal(leaked(e.message), null, e.message);
  const detail = await client.getUser(1);
  assert.ok(warnings.length > 0 && warnings.some((w) => /gender/.test(w)), JSON.stringify(warnings));
  for (const w of [...warnings, ...detail.warnings]) assert.equal(leaked(w), null, w);
});

/** Whether `text` holds 6 or more characters in a row of the token's secret (after its `|`), however the rest was cut or escaped. */
function holdsSecret(text, token = TOKEN) {
  const secret = token.slice(token.indexOf("|") + 1);
  for (let i = 0; i + 6 <= secret.length; i++) {
    const run = secret.slice(i, i + 6);
    if (/^[A-Za-z0-9]+$/.test(run) && String(text).includes(run)) return run;
  }
  return null;
}

test("an error page's excerpt cut inside an escape of the token (`%3...`, `&#4...`, `\\u00...`): redacted at every cut (an outside pass: 12 of 110 cuts leaked)", async (t) => {
  const forms = {
    encodeURIComponent,
    every: (s) => [...s].map((c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`).join(""),
    html: (s) => [...s].map((c) => `&#${c.charCodeAt(0)};`).join(""),
    unicode: (s) => [...s].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`).join(""),
  };
  let pad = 0;
  let form = "encodeURIComponent";
  const server = await api(t, () => ({ status: 500, type: "text/plain", body: `${"y".repeat(pad)}${forms[form](TOKEN)} tail` }));
  const client = new VomoClient({ token: TOKEN, baseUrl: server.url, maxRetries: 0, requestsPerSecond: 1000 });
  let cuts = 0;
  for (form of Object.keys(forms)) {
    for (pad = 0; pad < 80; pad++) {
      const e = await client.getUser(1).then(() => null, (x) => x);
      assert.equal(e?.kind, "server");
      if (e.message.includes("...")) cuts += 1;
      for (const shown of [e.message, JSON.stringify(e)]) assert.equal(holdsSecret(shown), null, `${form}, ${pad} before it: ${shown}`);
    }
  }
  assert.ok(cuts > 200, `the excerpt was cut inside the token (${cuts} times)`);
});

test("a page link carrying the token encoded twice, as PHP's htmlentities writes it, or both, is followed and never stored", async (t) => {
  const twice = encodeURIComponent(encodeURIComponent(TOKEN));
  const named = TOKEN.replace(/\//g, "&sol;").replace(/\+/g, "&plus;").replace(/=/g, "&equals;").replace(/\|/g, "&verbar;");
  // HTML-escaped, then percent-encoded; HTML-escaped twice.
  const composed = [encodeURIComponent(named), named.replace(/&/g, "&amp;")];
  for (const carried of [twice, named, ...composed]) {
    const server = await api(t, (url) => {
      const n = Number(url.searchParams.get("page") ?? 1);
      const next = n === 1 ? `${url.pathname}?page=2&cursor=${carried}` : null;
      return { body: { data: [wireUser(n)], links: { next }, meta: { total: 2, per_page: 1, current_page: n } } };
    });
    const store = new MemoryStore();
    const poller = new UserPoller({ client: new VomoClient({ token: TOKEN, baseUrl: server.url, requestsPerSecond: 500, maxRetries: 0 }),
      store, customerId: "acme", onUser() {} });
    await poller.poll({ maxRequests: 1 });
    for (const key of store.keys()) assert.equal(holdsSecret(store.get(key)), null, `stored under ${key}: ${store.get(key)}`);
  }
});

test("a link that makes the token a host name (which a URL parser lower-cases) is refused, and the error quotes no part of it in any case", async (t) => {
  const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ2b21vIn0.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg";
  const server = await api(t, () => ({ body: { data: [wireUser(1)], links: { next: `http://${jwt}.evil.test/v1/users?page=2` },
    meta: { total: 2, per_page: 1, current_page: 1 } } }));
  const logged = [];
  const client = new VomoClient({ token: jwt, baseUrl: server.url, requestsPerSecond: 500, maxRetries: 0, log: (e) => logged.push(JSON.stringify(e)) });
  const e = await client.listAllUsers().then(() => null, (x) => x);
  assert.equal(e?.kind, "unsafe_link", e?.message);
  const signature = jwt.split(".")[2].toLowerCase();
  for (const shown of [e.message, JSON.stringify(e), ...logged]) {
    for (let i = 0; i + 6 <= signature.length; i++) assert.ok(!shown.toLowerCase().includes(signature.slice(i, i + 6)), shown);
  }
  assert.equal(server.requests.length, 1, "nothing sent to the link");
});

test("previousBaseUrl: a page link saved at the earlier address is not requested with the new client's token; the window is walked again there, nothing delivered twice", async (t) => {
  const { sim: old } = await frozenWorld(t, { startSimulator, users: 40, seed: 3 });
  const moved = await startSimulator({ port: 0, users: 40, seed: 3, now: "2026-01-01T00:00:00Z", token: "the-new-address-token-0123456789" });
  t.after(() => moved.close());
  moved.advanceClock(10_000); // as frozenWorld moved the earlier one
  assert.deepEqual(moved.listAll().map((u) => [u.id, u.updated_at]), old.listAll().map((u) => [u.id, u.updated_at]), "the same data");
  const store = new MemoryStore();
  const seen = [];
  const onUser = ({ user }) => { seen.push(user.id); };
  const first = new UserPoller({ client: new VomoClient({ token: old.token, baseUrl: old.url, requestsPerSecond: 500 }), store, customerId: "acme", onUser });
  // One request at a time until a page's next link is saved (the first may only set the
  // window from the server's Date).
  const savedLink = () => store.keys().some((k) => String(store.get(k)).includes(`"next_url":"${new URL(old.url).origin}/`));
  for (let i = 0; i < 5 && !savedLink(); i++) assert.equal((await first.poll({ maxRequests: 1 })).complete, false);
  assert.ok(savedLink(), "a link of the earlier address is saved");
  old.clearLog();
  const client = new VomoClient({ token: moved.token, baseUrl: moved.url, requestsPerSecond: 500 });
  const r2 = await new UserPoller({ client, store, customerId: "acme", onUser, previousBaseUrl: old.url }).poll();
  assert.equal(r2.complete, true);
  assert.deepEqual(old.log(), [], "nothing sent to the earlier address");
  assert.ok(moved.log().length > 0);
  assert.deepEqual([...seen].sort((a, b) => a - b), moved.listAll().map((u) => u.id).sort((a, b) => a - b), "every user once");
});

test("a server that echoes only the secret part of a Sanctum token (after its `|`) in an error page: the part is redacted, as the whole token is", async (t) => {
  const sim = await startSimulator({ port: 0, users: 3, seed: 2, token: TOKEN });
  t.after(() => sim.close());
  const secret = TOKEN.split("|")[1];
  sim.injectFault({ path: "/v1/users", type: "status", status: 400, body: `invalid token ${secret} (revoked)`, headers: { "Content-Type": "text/plain" }, times: 1 });
  const client = new VomoClient({ token: TOKEN, baseUrl: sim.url, requestsPerSecond: 100 });
  const e = await client.listAllUsers().then(() => null, (err) => err);
  assert.ok(e instanceof VomoError, String(e));
  assert.match(e.message, /invalid token \[redacted\] \(revoked\)/);
  assert.equal(e.message.includes(secret.slice(0, 16)), false);
  assert.equal(redactToken(`sent ${encodeURIComponent(secret)}`, TOKEN), "sent [redacted]");
  assert.equal(redactToken("the id 42| alone", TOKEN), "the id 42| alone");
});
