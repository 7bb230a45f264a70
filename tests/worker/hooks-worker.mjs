// A Worker that uses the client's log hook, its userAgent and per-call overrides inside
// workerd against a simulator in the test process. Bundled by hooks.test.mjs. ?sim=<baseUrl>
import init, { VomoClient, policy } from "vomo-users";

export default {
  async fetch(request, env) {
    await init();
    const baseUrl = new URL(request.url).searchParams.get("sim");
    const log = [];
    const client = new VomoClient({ token: env.SIM_TOKEN, baseUrl, requestsPerSecond: 1000, maxRetries: 0,
                                    userAgent: "acme-worker/1.0", log: (entry) => log.push(entry) });
    const out = { version: policy().version, errors: [] };
    const users = await client.listAllUsers();
    out.detail = (await client.getUser(users[0].id, { maxRetries: 1 }))?.id ?? null; // a 503, then the retry
    try {
      await client.getUser(users[1].id, { timeoutMs: 150 });                          // a stalled response
    } catch (e) {
      out.errors.push({ kind: e.kind, message: e.message });
    }
    out.log = log;
    out.stats = client.stats();
    return Response.json(out);
  },
};
