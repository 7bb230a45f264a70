// A module Web Worker that uses the package as a page does (worker.test.mjs starts it, with
// /pkg/ mapped to the installed package): init, parse, list, poll, and the parse-only entry.
// There is no window nor document here; the package must not need them.
import init, { parseUserPage, VomoClient, UserPoller, MemoryStore } from "/pkg/browser.mjs";
import initParse, * as parseOnly from "/pkg/parse/browser.mjs";

self.onmessage = async ({ data: { baseUrl, token, page } }) => {
  const out = { window: typeof window, document: typeof document };
  try {
    try { parseUserPage(page); } catch (e) { out.beforeInit = e.kind; }
    await init();
    out.ids = parseUserPage(page).data.map((u) => u.id);
    const client = new VomoClient({ token, baseUrl, requestsPerSecond: 1000 });
    out.users = (await client.listAllUsers()).map((u) => u.id);
    const delivered = [];
    const poller = new UserPoller({ client, store: new MemoryStore(), customerId: "worker", onUser: ({ kind, user }) => { delivered.push([kind, user.id]); } });
    const result = await poller.poll();
    out.polled = { complete: result.complete, delivered };
    await initParse();
    out.parseOnlyIds = parseOnly.parseUserPage(page).data.map((u) => u.id);
  } catch (e) {
    out.error = { name: e.name, kind: e.kind, message: e.message };
  }
  self.postMessage(out);
};
