// One contender of file-store-lease.test.mjs: a process that polls customer "acme" from a
// FileStore directory when the parent says go. Its first delivery waits, so that it still
// holds the lease while every other contender tries. argv: url token dir [plain]; "plain"
// hands the poller the FileStore without its setIf (the write-and-read-back lease).
import { VomoClient, UserPoller } from "vomo-users";
import { FileStore } from "vomo-users/stores/file";

const [url, token, dir, mode] = process.argv.slice(2);
const files = new FileStore(dir);
const store = mode === "plain" ? { get: (k) => files.get(k), set: (k, v) => files.set(k, v), delete: (k) => files.delete(k) } : files;
const delivered = [];
const poller = new UserPoller({
  client: new VomoClient({ token, baseUrl: url, requestsPerSecond: 1000 }), store, customerId: "acme",
  onUser: async ({ user }) => {
    if (delivered.length === 0) await new Promise((resolve) => setTimeout(resolve, 500));
    delivered.push(user.id);
  },
});
process.on("message", async () => {
  try {
    const r = await poller.poll();
    process.send({ ok: true, processed: r.processed, delivered });
  } catch (e) {
    process.send({ ok: false, kind: e.kind, message: e.message });
  }
  process.disconnect();
});
process.send("ready");
