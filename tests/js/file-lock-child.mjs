// A process (or a worker thread) of file-store-lease.test.mjs's lock tests, on FileStore's
// real lock code. Arguments (argv, or a worker's workerData): mode dir key.
//   hold: takes `key`'s lock by `setIf` and keeps it (its read waits) until the parent sends
//         "release" (or kills it, which leaves the lock behind as a crash would).
//   race: when the parent sends "go", `setIf(key, null, <its pid>)`, and reports whether it wrote.
import { isMainThread, parentPort, workerData } from "node:worker_threads";
import { FileStore } from "vomo-users/stores/file";

const [mode, dir, key] = isMainThread ? process.argv.slice(2) : workerData;
const send = (m) => (isMainThread ? process.send(m) : parentPort.postMessage(m));
const next = () => new Promise((resolve) => (isMainThread ? process : parentPort).once("message", resolve));
const done = () => (isMainThread ? process.disconnect() : parentPort.close());

if (mode === "hold") {
  class Holding extends FileStore {
    async get(k) {
      send("holding"); // called by setIf with the lock taken
      await next();
      return super.get(k);
    }
  }
  const wrote = await new Holding(dir).setIf(key, null, "holder");
  send({ wrote });
  done();
} else {
  const store = new FileStore(dir);
  send("ready");
  await next();
  try {
    send({ wrote: await store.setIf(key, null, String(process.pid)) });
  } catch (e) {
    send({ error: `${e.kind}: ${e.message}` });
  }
  done();
}
