// UserPoller figures against a simulator in a child process (real clock, no server limit):
// requests for an initial sync, an incremental poll and a quiet poll, and the poller's CPU
// per 15-user page beside a plain fetch + JSON.parse loop over the same listing and beside the
// client's own listUserPages() over it.

const FAST = 100_000; // requests per second: no client-side wait in these figures

const makeClient = (api, sim) => new api.VomoClient({ token: sim.token, baseUrl: sim.url, requestsPerSecond: FAST });

function makePoller(api, sim) {
  const client = makeClient(api, sim);
  let delivered = 0;
  const poller = new api.UserPoller({ client, store: new api.MemoryStore(), customerId: "bench", onUser: () => { delivered++; } });
  return { poller, delivered: () => delivered };
}

// A change is visible to a poll once it is older than the poller's window margin (5 s). 7.5 s
// keeps the changes out of the second the window ends in: the API's bounds are inclusive
// whole seconds, so the next poll re-reads that second's rows (as it must, to be safe).
const settle = () => new Promise((r) => setTimeout(r, 7_500));

/** Initial sync of n users, then `changed` edits and a poll, then a quiet poll. */
export async function pollRequests(api, sim, n, changed) {
  await sim.control("POST", "clock", { real: true });
  await sim.reset({ users: n, seed: 42 });
  const { poller, delivered } = makePoller(api, sim);
  const initial = await poller.poll();
  const seen = delivered();
  const users = await sim.control("GET", "users");
  for (let i = 0; i < changed; i++) await sim.control("PATCH", `users/${users[(i * 7) % users.length].id}`, { patch: { phone: `555-01${i}` } });
  await settle();
  const incremental = await poller.poll();
  await settle();
  const quiet = await poller.poll();
  return { initial: initial.requests, seen, incremental: incremental.requests, incrementalProcessed: incremental.processed, quiet: quiet.requests };
}

const cpu = () => { const c = process.cpuUsage(); return (c.user + c.system) / 1000; };

/** CPU ms per page: the poller's initial sync of n users vs a plain fetch + JSON.parse loop. */
export async function cpuPerPage(api, sim, n) {
  await sim.reset({ users: n, seed: 42 });
  const { poller } = makePoller(api, sim);
  let c0 = cpu();
  const r = await poller.poll();
  const pollerMs = (cpu() - c0) / r.requests;
  c0 = cpu();
  let url = `${sim.url}/users`, pages = 0;
  while (url) {
    const body = JSON.parse(await (await fetch(url, { headers: { Authorization: `Bearer ${sim.token}`, Accept: "application/json" } })).text());
    pages++;
    url = body.links.next;
  }
  const plainMs = (cpu() - c0) / pages;
  // The client's listing alone, which the poller's walk is built on: the floor of its figure.
  const client = makeClient(api, sim);
  c0 = cpu();
  let listed = 0;
  for await (const _page of client.listUserPages()) listed++;
  const listMs = (cpu() - c0) / listed;
  return { pollerMs, plainMs, ratio: pollerMs / plainMs, listMs, listRatio: listMs / plainMs };
}
