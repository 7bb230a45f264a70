// Drift check: real parser outputs, written as typed literals, must compile against the
// package's .d.ts. An excess or missing property, or a null where the type says not, fails.
import test from "node:test";
import assert from "node:assert/strict";
import { parseUserPage, parseUserDetail } from "vomo-users";
import { startSimulator } from "vomo-users/sim";
import { LIST_PAGE, UPSERT_200 } from "./helpers.mjs";
import { compile } from "./types/tsc.mjs";

async function samples() {
  const pages = [parseUserPage(LIST_PAGE())];
  const details = [parseUserDetail(UPSERT_200())];
  // Nulls where the fixtures have values, values where they have nulls.
  const page = JSON.parse(LIST_PAGE());
  page.meta.last_page = 8; page.meta.from = null; page.meta.path = null; page.links.next = null;
  pages.push(parseUserPage(page));
  const detail = JSON.parse(UPSERT_200());
  Object.assign(detail.data, { phone: null, address: null, birthday: null, gender: null, user_status: null,
    membership_status: null, membership_role: null, hours: "x" });
  detail.data.participations.push({ hours: "bad", role: null });
  detail.data.profile_field_values.push({ field_id: 13, field_label: "Diet", value: null });
  details.push(parseUserDetail(detail));
  const sim = await startSimulator({ port: 0, users: 30, seed: 3 });
  try {
    const headers = { Authorization: `Bearer ${sim.token}` };
    const live = parseUserPage(await (await fetch(`${sim.url}/users`, { headers })).text());
    pages.push(live);
    for (const u of live.data.slice(0, 5)) {
      details.push(parseUserDetail(await (await fetch(`${sim.url}/users/${u.id}`, { headers })).text()));
    }
  } finally {
    await sim.close();
  }
  return { pages, details };
}

function source({ pages, details }) {
  const lines = ['import type { UserDetail, Page, User } from "vomo-users";'];
  details.forEach((d, i) => lines.push(`export const d${i}: UserDetail = ${JSON.stringify(d, null, 1)};`));
  pages.forEach((p, i) => lines.push(`export const p${i}: Page<User> = ${JSON.stringify(p, null, 1)};`));
  return lines.join("\n") + "\n";
}

test("parser outputs (fixtures, null variants, simulator) type-check as UserDetail and Page<User>", async () => {
  const s = await samples();
  const kinds = (pick) => new Set(s.details.flatMap((d) => [d, ...d.participations]).map(pick));
  assert.ok(kinds((x) => x.phone === null || x.role === null).has(true), "a sample with nulls");
  assert.ok(s.pages.some((p) => p.meta.lastPage !== null) && s.pages.some((p) => p.meta.lastPage === null));
  const r = compile(source(s));
  assert.ok(r.ok, r.out);
});

test("the drift check catches an excess property, a missing one and a wrong null", async () => {
  const base = { pages: [parseUserPage(LIST_PAGE())], details: [parseUserDetail(UPSERT_200())] };
  const excess = structuredClone(base); excess.details[0].nickname = "Batman";
  const missing = structuredClone(base); delete missing.pages[0].data[0].membershipRole;
  const wrongNull = structuredClone(base); wrongNull.details[0].email = null;
  for (const [name, s] of Object.entries({ excess, missing, wrongNull })) {
    assert.equal(compile(source(s)).ok, false, `${name} should not compile`);
  }
});

// docs/api.md, "TypeScript": its ```ts example compiles as it stands (strict), and the doc's
// reason for it holds: without the annotations, the same objects do not compile.
test("docs/api.md's TypeScript example compiles; without its type annotations it does not, as the doc says", async () => {
  const { readFileSync } = await import("node:fs");
  const { join } = await import("node:path");
  const doc = readFileSync(join(process.cwd(), "node_modules/vomo-users/docs/api.md"), "utf8");
  const blocks = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
  assert.equal(blocks.length, 1, "one ```ts block");
  const annotated = compile(blocks[0]);
  assert.ok(annotated.ok, annotated.out);
  const bare = blocks[0].replace(": UpsertUserInput =", " =").replace(": RosterRecord[] =", " =");
  assert.notEqual(bare, blocks[0]);
  const r = compile(bare);
  assert.equal(r.ok, false, "the unannotated objects should not compile");
  assert.match(r.out, /role/, r.out);
  assert.match(r.out, /gender/, r.out);
});
