// A process of file-store-lease.test.mjs's lock tests, on FileStore's real lock code.
// argv: mode dir key.
//   hold: takes `key`'s lock by `setIf` and keeps it (its read waits) until the parent sends
//         "release" (or kills it, which leaves the lock behind as a crash would).
//   race: when the parent sends "go", `setIf(key, null, <its pid>)`, and reports whether it wrote.
import { FileStore } from "vomo-users/stores/file";

const [mode, dir, key] = process.argv.slice(2);
const next = () => new Promise((resolve) => process.once("message", resolve));

if (mode === "hold") {
  class Holding extends FileStore {
    async get(k) {
      process.send("holding"); // called by setIf with the lock taken
      await next();
      return super.get(k);
    }
  }
  const wrote = await new Holding(dir).setIf(key, null, "holder");
  process.send({ wrote });
  process.disconnect();
} else {
  const store = new FileStore(dir);
  process.send("ready");
  await next();
  try {
    process.send({ wrote: await store.setIf(key, null, String(process.pid)) });
  } catch (e) {
    process.send({ error: `${e.kind}: ${e.message}` });
  }
  process.disconnect();
}
