// A Worker with a Durable Object that runs UserPoller on DurableObjectStore, and a KvStore
// route over a real KV binding. Bundled by stores.test.mjs with the workerd export
// conditions; the simulator runs in the test process and is reached over loopback HTTP.
//   /poll?sim=<baseUrl>&customer=<id>   -> the customer's Durable Object polls once
//   /kv?op=get|set|delete&key=&value=   -> KvStore(env.KV, { prefix: "kv-test/" })
import init, { VomoClient, UserPoller, VomoError } from "vomo-users";
import { DurableObjectStore, KvStore } from "vomo-users/stores";

const json = (body, status = 200) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
const describe = (e) => (e instanceof VomoError ? { kind: e.kind, message: e.message } : { kind: "other", message: String(e?.stack ?? e) });

export class PollerObject {
  constructor(state, env) {
    this.state = state;
    this.env = env;
  }

  async fetch(request) {
    await init();
    const params = new URL(request.url).searchParams;
    const client = new VomoClient({ token: this.env.SIM_TOKEN, baseUrl: params.get("sim"), requestsPerSecond: 1000, timeoutMs: 5000 });
    const events = [];
    const poller = new UserPoller({
      client,
      store: new DurableObjectStore(this.state.storage),
      customerId: params.get("customer"),
      onUser: ({ kind, user }) => { events.push({ kind, id: user.id, updatedAt: user.updatedAt }); },
    });
    try {
      const result = await poller.poll();
      const keys = [...(await this.state.storage.list()).keys()];
      return json({ result, events, keys });
    } catch (e) {
      return json({ error: describe(e), events });
    }
  }
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const params = url.searchParams;
    if (url.pathname === "/poll") {
      const stub = env.POLLER.get(env.POLLER.idFromName(params.get("customer")));
      return stub.fetch(request);
    }
    if (url.pathname === "/kv") {
      const store = new KvStore(env.KV, { prefix: "kv-test/" });
      const key = params.get("key");
      switch (params.get("op")) {
        case "get": return json({ value: await store.get(key) });
        case "set": return json({ done: await store.set(key, params.get("value")) ?? null });
        case "delete": return json({ done: await store.delete(key) ?? null });
        case "roundtrip": {
          // Within one location KV reads its own writes; the eventual consistency is across locations.
          const before = await store.get(key);
          await store.set(key, params.get("value"));
          return json({ before, after: await store.get(key) });
        }
      }
    }
    return json({ error: "unknown route" }, 404);
  },
};
