// vomo-users/sim ships in the package; parseUserPage reads a real page fetched from it.
import test from "node:test";
import assert from "node:assert/strict";
import { startSimulator } from "vomo-users/sim";
import { parseUserPage, parseUserDetail } from "vomo-users";
import { assertNoUndefined, ISO_MS } from "./helpers.mjs";

test("startSimulator serves pages that parseUserPage and parseUserDetail read", async (t) => {
  const sim = await startSimulator({ port: 0, users: 40, seed: 7 });
  t.after(() => sim.close());
  assert.match(sim.url, /^http:\/\/127\.0\.0\.1:\d+\/v1$/);
  const headers = { Authorization: `Bearer ${sim.token}`, Accept: "application/json" };
  const res = await fetch(`${sim.url}/users`, { headers });
  assert.equal(res.status, 200);
  const page = parseUserPage(await res.text());
  assert.equal(page.meta.total, 40);
  assert.ok(page.data.length > 0);
  assertNoUndefined(page);
  for (const u of page.data) assert.match(u.updatedAt, ISO_MS);
  const detail = parseUserDetail(await (await fetch(`${sim.url}/users/${page.data[0].id}`, { headers })).text());
  assert.equal(detail.id, page.data[0].id);
  assertNoUndefined(detail);
  for (const p of detail.participations) assert.ok(Number.isFinite(p.hours) && p.hours >= 0);
  const denied = await fetch(`${sim.url}/users`);
  assert.equal(denied.status, 401);
});
