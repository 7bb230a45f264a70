// A process that polls customer "acme" from a FileStore directory and, at its first delivery,
// says "holding" and hangs there with the lease held, until it is killed
// (file-store-lease.test.mjs). argv: url token dir [plain]; "plain" hands the poller the
// FileStore's get, set and setIf only (a store that names no lease holder).
import { VomoClient, UserPoller } from "vomo-users";
import { FileStore } from "vomo-users/stores/file";

const [url, token, dir, mode] = process.argv.slice(2);
const files = new FileStore(dir);
const store = mode === "plain" ? { get: (k) => files.get(k), set: (k, v) => files.set(k, v), setIf: (k, e, v) => files.setIf(k, e, v) } : files;
const poller = new UserPoller({
  client: new VomoClient({ token, baseUrl: url, requestsPerSecond: 1000 }), store, customerId: "acme",
  onUser: () => {
    process.stdout.write("holding\n");
    // Alive until killed: a promise that never settles holds nothing in the event loop, and
    // Node 22 and later end a process whose loop is empty (exit 13, an unsettled await).
    setInterval(() => {}, 60_000);
    return new Promise(() => {});
  },
});
await poller.poll();
