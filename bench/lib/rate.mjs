// Listing at the server's limit: N users through VomoClient (fixed R, or "auto") against the
// simulator's limiter, beside the yardstick: a plain fetch loop paced by a JS token bucket
// in the style of Octokit's throttling (Bottleneck's `minTime` = 1000 / R, one at a time).
// Figures: pages per second as a share of R, and the 429s the server sent.

/** The yardstick: fetch + JSON.parse page after page, each start >= 1000 / R after the last. */
export async function octokitStyleListing(sim, rps) {
  const minTime = 1000 / rps;
  let next = 0;
  let url = `${sim.url}/users`;
  while (url) {
    const wait = next - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    next = Math.max(next, performance.now()) + minTime; // Bottleneck's reservoir-less minTime
    const res = await fetch(url, { headers: { Authorization: `Bearer ${sim.token}`, Accept: "application/json" } });
    if (res.status === 429) {
      // Octokit's plugin waits Retry-After, then retries the same request
      const after = Number(res.headers.get("retry-after") ?? 1);
      await res.text();
      next = performance.now() + after * 1000;
      continue;
    }
    const body = JSON.parse(await res.text());
    url = body.links?.next && body.links.next !== "null" ? body.links.next : null;
  }
}

/** One listing of every user with `list`; returns utilisation and 429s from the server's log. */
export async function measureListing(sim, rps, list) {
  await sim.clearLog();
  const t0 = performance.now();
  await list();
  const seconds = (performance.now() - t0) / 1000;
  const log = (await sim.log()).filter((e) => e.method === "GET");
  const ok = log.filter((e) => e.status === 200).length;
  const limited = log.filter((e) => e.status === 429).length;
  return { share: (100 * ok) / seconds / rps, limited, limitedPct: (100 * limited) / Math.max(1, log.length), requests: log.length, seconds };
}

export function clientListing(api, sim, rps, mode) {
  return async () => {
    const client = new api.VomoClient({ token: sim.token, baseUrl: sim.url, requestsPerSecond: mode === "auto" ? "auto" : rps, maxRetries: 10 });
    let n = 0;
    for await (const page of client.listUserPages()) n += page.data.length;
    return n;
  };
}
