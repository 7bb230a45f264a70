// upsert: created, then updated (the email compared case-insensitively); a 422 -> exit 1 with
// kind validation and the field; a bad flag value caught before sending -> exit 2.
import test from "node:test";
import assert from "node:assert/strict";
import { cli, jsonLines, posts, world } from "./helpers.mjs";

const FAST = ["--rate", "500"];

test("upsert --json: {user, created} for a new email, created:false for the same email in other case", async (t) => {
  const { sim, env } = await world(t);
  const first = await cli(["upsert", "--first-name", "Nia", "--last-name", "Okafor", "--email", "nia@example.org",
    "--phone", "(555) 010-2000", "--gender", "f", "--birthday", "1990-04-02", "--role", "ORGANIZER", "--json", ...FAST], { env });
  assert.equal(first.code, 0, first.stderr);
  const [a] = jsonLines(first.stdout);
  assert.equal(a.created, true);
  assert.equal(a.user.email, "nia@example.org");
  assert.equal(a.user.gender, "F");
  assert.equal(a.user.membershipRole, "ORGANIZER");
  assert.equal(sim.getUser(a.user.id).phone, "(555) 010-2000");

  const second = await cli(["upsert", "--first-name", "Nia", "--last-name", "Okafor-Lee", "--email", "NIA@example.org", "--json", ...FAST], { env });
  const [b] = jsonLines(second.stdout);
  assert.equal(b.created, false);
  assert.equal(b.user.id, a.user.id);
  assert.equal(sim.getUser(a.user.id).last_name, "Okafor-Lee");
  // An empty value is not sent, and the command says so (it is not a way to clear a field).
  const empty = await cli(["upsert", "--first-name", "Nia", "--last-name", "Okafor-Lee", "--email", "nia@example.org", "--phone", "", "--json", ...FAST], { env });
  assert.equal(empty.code, 0, empty.stderr);
  assert.match(empty.stderr, /^note: --phone is empty and is not sent: VOMO keeps the value it has$/m);
  assert.equal(sim.getUser(a.user.id).phone, "(555) 010-2000");

  const text = await cli(["upsert", "--first-name", "Bo", "--last-name", "Berg", "--email", "bo@example.org", ...FAST], { env });
  assert.match(text.stdout, /^created user \d+$/m);
  assert.equal(posts(sim).length, 4);
});

test("a 422 from the server: exit 1, kind validation, the field named", async (t) => {
  const { sim, env } = await world(t);
  sim.configure({ strict: true }); // birthday and gender required
  const r = await cli(["upsert", "--first-name", "A", "--last-name", "B", "--email", "ab@example.org", ...FAST], { env });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^vomo-users: validation error \(HTTP 422\)/m);
  assert.match(r.stderr, /^ {2}birthday: /m);
  assert.equal(r.stdout, "");
});

test("a value the client refuses before sending (gender X): exit 2, the message and where --help lists the options, nothing sent", async (t) => {
  const { sim, env } = await world(t);
  const r = await cli(["upsert", "--first-name", "A", "--last-name", "B", "--email", "ab@example.org", "--gender", "X", ...FAST], { env });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^vomo-users: invalid input: .*gender.*\n\(vomo-users upsert --help lists the options\)\n$/);
  assert.equal(posts(sim).length, 0);
});
