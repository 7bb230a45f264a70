// Two polls of one customer cannot run at once: while the first holds the store's lease, a
// second fails with kind busy (exit 1). Ctrl-C on a single poll aborts it (exit 1, aborted)
// and releases the lease, so the next poll runs.
import test from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:http";
import { join } from "node:path";
import { createSimulator } from "vomo-users/sim";
import { cli, jsonLines, start, tempDir } from "./helpers.mjs";

test("a second poll of the same customer while one runs: exit 1, busy; after Ctrl-C the lease is free", async (t) => {
  const sim = createSimulator({ users: 5, seed: 2, now: "2026-01-01T00:00:00Z" });
  sim.advanceClock(60_000);
  const arrivals = [];
  let arrived = () => {};
  // The simulator mounted on our own server, to know when the first poll's request is in.
  const server = createServer((req, res) => {
    arrivals.push(req.url);
    arrived();
    sim.handle(req, res);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  t.after(() => { server.closeAllConnections(); server.close(); });
  const env = { VOMO_BASE_URL: `http://127.0.0.1:${server.address().port}/v1`, VOMO_TOKEN: sim.token };
  const dir = await tempDir(t);
  const args = ["poll", "--customer", "acme", "--state-dir", join(dir, "state"), "--json", "--rate", "500"];

  sim.injectFault({ method: "GET", path: "/v1/users", type: "stall", times: 1 });
  const first = start(args, { env });
  t.after(() => first.child.kill("SIGKILL"));
  await new Promise((ok) => { arrived = ok; if (arrivals.length) ok(); }); // it holds the lease and waits on the server

  const second = await cli(args, { env });
  assert.equal(second.code, 1);
  assert.match(second.stderr, /^vomo-users: busy error/m);
  assert.equal(second.stdout, "");

  first.child.kill("SIGINT");
  const stopped = await first.done;
  assert.equal(stopped.code, 1);
  assert.match(stopped.stderr, /^vomo-users: aborted error/m);

  const third = await cli(args, { env });
  assert.equal(third.code, 0, third.stderr);
  assert.equal(jsonLines(third.stdout).at(-1).processed, 5);
});
