// A Worker that drives VomoClient inside workerd against a simulator in the test process.
// Bundled by client.test.mjs with the workerd export conditions. ?sim=<baseUrl>&do=<step>
import init, { VomoClient, VomoError } from "vomo-users";

const describe = (e) => (e instanceof VomoError
  ? { isVomoError: true, kind: e.kind, status: e.status, message: e.message }
  : { isVomoError: false, message: String(e?.stack ?? e) });

export default {
  async fetch(request, env) {
    await init();
    const params = new URL(request.url).searchParams;
    const baseUrl = params.get("sim");
    const rps = Number(params.get("rps") ?? 1000);
    const client = new VomoClient({ token: env.SIM_TOKEN, baseUrl, requestsPerSecond: rps,
                                    maxRetries: Number(params.get("retries") ?? 2), timeoutMs: 2000 });
    const out = {};
    try {
      switch (params.get("do")) {
        case "list": {
          const users = await client.listAllUsers();
          let pages = 0, streamed = 0;
          for await (const page of client.listUserPages({ nameLike: params.get("name") ?? "" })) {
            pages++;
            streamed += page.data.length;
          }
          out.list = { count: users.length, ids: users.map((u) => u.id), pages, streamed };
          break;
        }
        case "get": {
          const id = Number(params.get("id"));
          const d = await client.getUser(id);
          out.get = d && { id: d.id, email: d.email, participations: d.participations.length, updatedAt: d.updatedAt };
          out.missing = await client.getUser(987654);
          break;
        }
        case "upsert": {
          const r = await client.upsertUser({ firstName: "Wor", lastName: "Ker", email: params.get("email") });
          out.upsert = { created: r.created, uncertain: r.uncertain, id: r.user.id };
          out.found = (await client.findUserByEmail(params.get("email").toUpperCase()))?.id ?? null;
          break;
        }
        default: {
          await client.listAllUsers();
        }
      }
    } catch (e) {
      out.error = describe(e);
    }
    out.stats = client.stats();
    return Response.json(out);
  },
};
