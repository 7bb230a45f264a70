// Admin page, Client status: against a rate-limited simulator the page's client gets 429s,
// honours Retry-After and retries; the status panel shows the same numbers the simulator
// logged (requests, retries, 429s) and the observed request rate.
import test from "node:test";
import assert from "node:assert/strict";
import { openAdmin, connect, waitText, screenshot, assertClean } from "./admin-kit.mjs";

const stat = (page, name) => page.$eval("#client-stats", (dl, n) =>
  [...dl.querySelectorAll("dt")].find((d) => d.textContent === n)?.nextElementSibling.textContent, name);

test("admin client status: requests, retries and 429s match the server's log; the observed rate", async (t) => {
  const admin = await openAdmin(t, { sim: { users: 40, seed: 8, perPage: 5 } });
  const { page, sim } = admin;
  assert.equal(await waitText(page, "#client-stats", /client/), "clientnot connected");
  await connect(page, { rps: 20 });
  // The server allows 4 requests per second (burst 2); the client asks for 20.
  sim.configure({ rateLimit: { requestsPerSecond: 4, burst: 2 } });
  await page.click("#users-list");
  assert.equal(await waitText(page, "#users-count", /listed|stopped/, 90_000), "40 users listed (8 pages)");

  const log = sim.log().filter((e) => e.method === "GET");
  const limited = log.filter((e) => e.status === 429).length;
  assert.ok(limited >= 1, "the server answered some requests with 429");
  // The panel refreshes every second: wait until it shows the last request.
  await waitText(page, "#client-stats", new RegExp(`requests${log.length}retries`));
  assert.equal(await stat(page, "429 responses"), String(limited));
  assert.equal(await stat(page, "retries"), String(limited), "each 429 was retried");
  assert.equal(await stat(page, "errors"), "0");
  assert.equal(await stat(page, "rate limit"), "20 requests/s");
  assert.match(await stat(page, "request rate (last 5 s)"), /^\d+(\.\d)? requests\/s$/);
  await screenshot(page, "status", "#status");
  await assertClean(admin, { httpErrors: [429] });
});

test("admin client status: the rate field takes auto (the client learns the server's limit from its headers, with no 429); a word that is no rate is the client's own message", async (t) => {
  const admin = await openAdmin(t, { sim: { users: 40, seed: 8, perPage: 5 } });
  const { page, sim } = admin;
  await page.fill("#rps", "fast");
  assert.equal(await connect(page), 'not connected: [invalid_input] VomoClient: requestsPerSecond must be a finite number or "auto" (got "fast")');
  // Laravel's fixed window of 4 a second, with its X-RateLimit headers.
  sim.configure({ rateLimit: { kind: "fixed-window", requestsPerSecond: 4, headers: true } });
  await page.fill("#rps", " Auto ");
  assert.match(await connect(page), /^connected to /);
  await page.click("#users-list");
  assert.equal(await waitText(page, "#users-count", /listed|stopped/, 90_000), "40 users listed (8 pages)");
  const log = sim.log().filter((e) => e.method === "GET");
  assert.deepEqual(log.filter((e) => e.status === 429).length, 0, "the limit came from the headers, not from 429s");
  await waitText(page, "#client-stats", new RegExp(`requests${log.length}retries`));
  const shown = await stat(page, "rate limit");
  assert.match(shown, /^(\d+(\.\d+)?) requests\/s \(auto: learned from the server's answers\)$/);
  assert.ok(Number.parseFloat(shown) <= 4, shown);
  await assertClean(admin);
});
