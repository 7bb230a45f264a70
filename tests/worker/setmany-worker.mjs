// A Worker with a Durable Object that runs importRoster on DurableObjectStore over the
// object's real storage, with every storage call recorded, so the test can see how values
// over 100 KiB reach the platform. Bundled by setmany.test.mjs (workerd conditions).
//   /import?sim=<baseUrl>&n=<records>   -> { result, puts, keys, largest }
import init, { VomoClient, importRoster, VomoError } from "vomo-users";
import { DurableObjectStore } from "vomo-users/stores";

const json = (body, status = 200) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

export class ImportObject {
  constructor(state, env) {
    this.state = state;
    this.env = env;
  }

  async fetch(request) {
    await init();
    const params = new URL(request.url).searchParams;
    const storage = this.state.storage;
    const puts = [];
    // The real storage, with each put recorded: one key, or an object of many.
    const recorded = {
      get: (key) => storage.get(key),
      delete: (key) => storage.delete(key),
      put: (keyOrEntries, value) => {
        puts.push(typeof keyOrEntries === "string" ? [keyOrEntries] : Object.keys(keyOrEntries));
        return value === undefined ? storage.put(keyOrEntries) : storage.put(keyOrEntries, value);
      },
    };
    const client = new VomoClient({ token: this.env.SIM_TOKEN, baseUrl: params.get("sim"), requestsPerSecond: 1000, timeoutMs: 5000 });
    const n = Number(params.get("n"));
    const records = Array.from({ length: n }, (_, i) => ({
      externalId: `do-${i}`, firstName: `First${i}`, lastName: `Last${i}`, email: `do.person${i}@example.org`,
    }));
    try {
      const result = await importRoster(client, records, { store: new DurableObjectStore(recorded), key: "roster", checkpointEvery: 200 });
      const all = await storage.list();
      const largest = Math.max(...[...all.values()].map((v) => String(v).length));
      return json({ created: result.created.length, updated: result.updated.length, failed: result.failed.length, puts, keys: [...all.keys()], largest });
    } catch (e) {
      return json({ error: e instanceof VomoError ? { kind: e.kind, message: e.message } : String(e?.stack ?? e) });
    }
  }
}

export default {
  async fetch(request, env) {
    const stub = env.IMPORTER.get(env.IMPORTER.idFromName("one"));
    return stub.fetch(request);
  },
};
