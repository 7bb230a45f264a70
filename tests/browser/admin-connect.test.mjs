// Admin page, Connect screen and page-wide quality: the simulator is the default with its
// token filled in; connecting works from the keyboard; a wrong token is a readable [auth]
// error; every control has a visible label; the token is kept out of every URL, storage,
// page text and console line; and a page whose package is missing says why.
import test from "node:test";
import { createServer } from "node:net";
import assert from "node:assert/strict";
import { join } from "node:path";
import { repo } from "../js/helpers.mjs";
import { launchChromium } from "./helpers.mjs";
import { openAdmin, connect, waitText, screenshot, assertClean, startAdminServer } from "./admin-kit.mjs";

test("admin connect: defaults, keyboard, wrong token, labels, no token anywhere", async (t) => {
  const admin = await openAdmin(t);
  const { page, sim } = admin;
  assert.equal(await page.inputValue("#base-url"), sim.url);
  assert.equal(await page.inputValue("#token"), sim.token, "the simulator's test token is filled in");
  assert.equal(await page.getAttribute("#token", "type"), "password");
  for (const id of ["users-list", "poll-run"]) assert.equal(await page.isDisabled(`#${id}`), true, "needs a connection first");

  // Keyboard only: Tab from the URL field through the token and rate to Connect, then Enter.
  await page.focus("#base-url");
  const focused = [];
  for (let i = 0; i < 3; i++) {
    await page.keyboard.press("Tab");
    focused.push(await page.evaluate(() => document.activeElement.id));
  }
  assert.deepEqual(focused, ["token", "rps", "connect-button"]);
  await page.keyboard.press("Enter");
  assert.equal(await waitText(page, "#connect-status", /^(connected|not connected)/), `connected to ${sim.url}: 60 users`);
  assert.equal(await page.isDisabled("#users-list"), false);
  const gets = sim.log().filter((e) => e.method === "GET");
  assert.equal(gets.length, 1, "connecting costs one request");
  assert.equal(gets[0].authorization, true);

  // Enter in a filter field runs the listing.
  await page.focus("#f-name");
  await page.keyboard.type("zzz-nobody");
  await page.keyboard.press("Enter");
  assert.equal(await waitText(page, "#users-count", /listed/), "0 users listed (1 page)");

  // A wrong token: a readable error with its kind and status, the token not echoed.
  await page.fill("#token", "wrong-token-123456");
  assert.match(await connect(page), /^not connected: \[auth\] HTTP 401: /);
  assert.equal(await page.isDisabled("#users-list"), true);

  // Every input, select and button has a visible label (or visible text).
  const unlabeled = await page.evaluate(() => {
    const bad = [];
    for (const c of document.querySelectorAll("input, select, textarea")) {
      const label = [...(c.labels ?? [])].find((l) => l.checkVisibility() && l.innerText.trim());
      if (!label) bad.push(c.id || c.name);
    }
    for (const b of document.querySelectorAll("button, a[href]")) if (b.checkVisibility() && !b.innerText.trim()) bad.push(b.outerHTML);
    return bad;
  });
  assert.deepEqual(unlabeled, []);

  // Forget token: the field is cleared and the client dropped.
  await page.fill("#token", sim.token);
  await connect(page);
  await page.click("#disconnect-button");
  assert.equal(await page.inputValue("#token"), "");
  assert.equal(await page.textContent("#connect-status"), "token forgotten; not connected");
  await screenshot(page, "connect", "#connect");
  await assertClean(admin, { httpErrors: [401] });
});

test("admin connect: an API nothing answers at says what to check (the browser says only 'Failed to fetch'), and the screens stay disabled", async (t) => {
  const admin = await openAdmin(t);
  const { page } = admin;
  const closed = await new Promise((ok) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => ok(port)); });
  });
  await page.fill("#base-url", `http://127.0.0.1:${closed}/v1`);
  const said = await connect(page);
  assert.match(said, /^not connected: \[network\] /);
  assert.match(said, /the API could not be reached: check the base URL, that the server is up, and that it allows requests from this page's origin \(CORS\)/);
  assert.equal(await page.isDisabled("#users-list"), true);
});

test("admin page served without the package says so instead of loading forever", async (t) => {
  const site = await startAdminServer({ www: join(repo, "www") });   // www/ alone: no /pkg/
  t.after(() => site.close());
  const page = await (await launchChromium(t)).newPage();
  await page.goto(site.url);
  assert.match(await waitText(page, "#app-status", /^error/), /could not load the vomo-users package from \.\/pkg\/.*npm run admin/);
});

test("admin: Forget stops a listing under way (no request with the token after it); a new Connect does too", async (t) => {
  const admin = await openAdmin(t, { sim: { users: 200 }, config: { requestsPerSecond: 4 } });
  const { page, sim } = admin;
  await connect(page);
  await page.click("#users-list");
  await waitText(page, "#users-count", /page 2/);
  await page.click("#disconnect-button");
  const text = await waitText(page, "#users-count", /stopped/);
  assert.match(text, /aborted/, text);
  const after = sim.log().length;
  // Another listing's worth of time at 4 requests a second: none more arrives. What the page
  // shows is the event waited for; the request log is read after it.
  await page.fill("#token", sim.token);
  await connect(page);
  assert.equal(sim.log().length, after + 1, "only the new Connect's request");
  await page.click("#users-list");
  await waitText(page, "#users-count", /page 2/);
  await page.click("#connect-button");
  assert.match(await waitText(page, "#users-count", /stopped/), /aborted/, "a new Connect ends the old session's work");
});

test("admin: user text cannot reorder a feed line (bidi isolated); the admin server refuses framing and other host names", async (t) => {
  const admin = await openAdmin(t, { sim: { users: 3 } });
  const { page, sim, site } = admin;
  await connect(page);
  await page.click("#poll-run");
  await waitText(page, "#poll-status", /^poll (done|stopped)/);
  const id = sim.listAll()[0].id;
  sim.updateUser(id, { first_name: "Alice \u202Egro.evil@nimda" });
  sim.advanceClock(10_000);
  await page.click("#poll-run");
  await waitText(page, "#poll-status", /^poll (done|stopped)/);
  await page.waitForFunction(() => [...document.querySelectorAll("#poll-feed li")].some((li) => li.textContent.includes("\u202E")));
  // The name alone in its <bdi>, the email in another: the override reorders neither the
  // email nor the time after it.
  const pieces = await page.evaluate(() => [...[...document.querySelectorAll("#poll-feed li")].find((li) => li.textContent.includes("\u202E"))
    .querySelectorAll("bdi")].map((b) => b.textContent));
  const user = sim.getUser(id);
  assert.ok(pieces.includes(`${user.first_name} ${user.last_name}`), `the name in a <bdi> of its own: ${JSON.stringify(pieces)}`);
  assert.ok(pieces.includes(user.email), `the email in a <bdi> of its own: ${JSON.stringify(pieces)}`);
  assert.equal(pieces.filter((p) => p.includes("\u202E")).length, 1);

  const res = await fetch(site.url);
  assert.equal(res.headers.get("x-frame-options"), "DENY");
  const csp = res.headers.get("content-security-policy");
  assert.match(csp, /^script-src 'self' 'wasm-unsafe-eval' 'sha256-[A-Za-z0-9+/]+=*'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'$/);
  // Under it, the page works (this test polled above), and a script that got into the page as
  // markup does not run.
  const ran = await page.evaluate(() => new Promise((ok) => {
    const s = document.createElement("script");
    s.textContent = "window.__injected = true";
    document.addEventListener("securitypolicyviolation", () => ok(window.__injected === true), { once: true });
    document.body.append(s);
    setTimeout(() => ok(window.__injected === true), 2000);
  }));
  assert.equal(ran, false, "an inline script is refused");
  assert.equal(res.headers.get("x-content-type-options"), "nosniff");
  await res.arrayBuffer();
  const { request } = await import("node:http");
  const status = await new Promise((ok, fail) => {
    const u = new URL("/config.json", site.url);
    request({ host: "127.0.0.1", port: u.port, path: u.pathname, headers: { host: `evil.example:${u.port}` } }, (r) => { r.resume(); ok(r.statusCode); })
      .on("error", fail).end();
  });
  assert.equal(status, 421, "a rebinding host name gets nothing");
});

test("admin: a Connect that hangs leaves the screens disabled until it is proven, and Forget ends it (no 'connected' after)", async (t) => {
  const admin = await openAdmin(t);
  const { page, sim } = admin;
  sim.injectFault({ method: "GET", path: "/v1/users", type: "stall", times: 1 });
  await page.click("#connect-button");
  await waitText(page, "#connect-status", /^connecting/);
  await page.waitForFunction(() => document.querySelectorAll("#users-list, #poll-run").length === 2);
  assert.equal(await page.isDisabled("#users-list"), true, "no screen uses an unproven client");
  assert.equal(await page.isDisabled("#poll-run"), true);
  assert.equal(await page.isDisabled("#disconnect-button"), false, "Forget can end it");
  await page.click("#disconnect-button");
  assert.equal(await waitText(page, "#connect-status", /forgotten|connected/), "token forgotten; not connected");
  assert.equal(await page.isDisabled("#users-list"), true);
  // Connected again: the stalled request is over, the page works as before.
  await page.fill("#token", sim.token);
  assert.match(await connect(page), /^connected to /);
  assert.equal(await page.isDisabled("#users-list"), false);
  assert.equal(await page.textContent("#connect-status"), `connected to ${sim.url}: 60 users`, "the forgotten Connect did not overwrite the status");
});

test("admin connect: a token revoked after Connect: the screen whose request was refused says [auth], and the Connect line stops saying connected; a later success takes that back", async (t) => {
  const admin = await openAdmin(t, { sim: { users: 10, seed: 6 } });
  const { page, sim } = admin;
  await connect(page);
  assert.match(await page.textContent("#connect-status"), /^connected to /);
  const token = sim.token;
  sim.configure({ token: "a-token-issued-since" }); // the page's token no longer opens the API
  await page.click("#users-list");
  assert.match(await waitText(page, "#users-count", /stopped/), /^0 users listed, then stopped: \[auth\] HTTP 401: /);
  assert.equal(await page.textContent("#connect-status"),
    "the token was refused (HTTP 401) by GET /v1/users: it was revoked or has expired since Connect; connect again with a valid one");
  assert.equal(await page.$eval("#connect-status", (n) => n.classList.contains("error")), true);
  // The server takes the token again (a refusal that passed): the next request that succeeds
  // takes the warning back; it does not go on saying "refused" beside a working listing.
  sim.configure({ token });
  await page.click("#users-list");
  assert.match(await waitText(page, "#users-count", /listed \(/), /^10 users listed \(1 page\)$/);
  assert.equal(await page.textContent("#connect-status"),
    `connected to ${sim.url}: the token was accepted again (HTTP 200 to GET /v1/users) after a refusal`);
  assert.equal(await page.$eval("#connect-status", (n) => n.classList.contains("error")), false);
  await assertClean(admin, { httpErrors: [401] });
});

test("admin connect: an API that stops answering after Connect: the Connect line stops saying connected, names the request, and takes it back when one gets through", async (t) => {
  // An outside pass: the line went on saying "connected to ...: 300 users" while every
  // request failed with a network error.
  const admin = await openAdmin(t, { sim: { users: 10, seed: 6 } });
  const { page, sim } = admin;
  await connect(page, { rps: 50 });
  sim.injectFault({ type: "reset", times: "always" });
  await page.click("#users-list");
  assert.match(await waitText(page, "#users-count", /stopped/), /^0 users listed, then stopped: \[network\] /);
  assert.match(await page.textContent("#connect-status"),
    new RegExp(`^${sim.url.replace(/[.]/g, "\\.")} did not answer GET /v1/users \\(network error, attempt \\d\\) since Connect: the server is down or cannot be reached`));
  assert.equal(await page.$eval("#connect-status", (n) => n.classList.contains("error")), true);
  sim.clearFaults();
  await page.click("#users-list");
  assert.match(await waitText(page, "#users-count", /listed \(/), /^10 users listed \(1 page\)$/);
  assert.equal(await page.textContent("#connect-status"), `connected to ${sim.url}: the API answers again (HTTP 200 to GET /v1/users)`);
  assert.equal(await page.$eval("#connect-status", (n) => n.classList.contains("error")), false);
});
