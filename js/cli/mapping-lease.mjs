// One import at a time per state directory's External ID mapping (DIR/mapping/, state.mjs).
// The mapping is what keeps a roster from creating a second VOMO user for an External ID whose
// email changed; importRoster reads an entry before it sends the record and writes it after.
// Two imports of different rosters (different keys: importRoster's own lease does not keep
// them apart) that share External IDs would both read "never synced" and both create a user.
// So an import holds this lease for its whole run: a lease record written by the FileStore's
// compare-and-set (DIR/locks/, the file store's cross-process lock), renewed while it runs,
// expiring on its own if its process dies (as importRoster's lease does, docs/import.md), and
// at once when its holder is known gone, judged as the file store's lock judges its holder
// (holderGone: a PID of this machine that runs no more, a zombie, a PID reused since).
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { VomoError } from "vomo-users";
import { FileStore } from "vomo-users/stores/file";
// Not through the package's exports: a helper of the package's own, beside FileStore (pkg/stores/).
import { holderGone, ownerHere } from "../stores/file-lock.mjs";

const KEY = "mapping";
/** How long a lease lasts unless renewed; renewed every RENEW_MS while its import runs. */
export const MAPPING_LEASE_MS = 120_000;
const RENEW_MS = 30_000;

const read = (text) => {
  try {
    const lease = JSON.parse(text ?? "null");
    return typeof lease?.expiresAt === "number" ? lease : null;
  } catch {
    return null; // unreadable: free to take
  }
};

/**
 * Takes the mapping lease of `stateDir`, or throws `busy` (another import holds it; the
 * message says for how long). Resolves to `{ signal, release() }`: `signal` fires with the
 * given `signal` (Ctrl-C), or if a renewal finds the lease taken (this process was stopped
 * past its expiry); the import runs under it. (Not AbortSignal.any: Node 20.3 and later.)
 */
export async function holdMappingLease(stateDir, { signal }) {
  const store = new FileStore(join(stateDir, "locks"));
  const owner = await ownerHere(randomBytes(8).toString("hex"));
  const text = () => JSON.stringify({ ...owner, expiresAt: Date.now() + MAPPING_LEASE_MS });
  let current = await store.get(KEY);
  const other = read(current);
  // Never judged by age (ageMs 0): a run may hold the mapping for hours; its expiry is the bound.
  const gone = other && (await holderGone(other, { ageMs: 0, ownToken: () => false })) === true;
  if (other && other.expiresAt > Date.now() && !gone) {
    throw new VomoError("busy", `another import into ${stateDir} (process ${other.pid}) holds its External ID mapping for `
      + `${Math.ceil((other.expiresAt - Date.now()) / 1000)} s more (two imports at once could each create a VOMO user for one External ID)`);
  }
  let mine = text();
  if (!(await store.setIf(KEY, current, mine))) {
    throw new VomoError("busy", `another import into ${stateDir} took its External ID mapping in the same moment`);
  }
  const run = new AbortController();
  const stop = () => run.abort(signal.reason);
  if (signal.aborted) stop();
  else signal.addEventListener("abort", stop, { once: true });
  let renewing = Promise.resolve();
  const timer = setInterval(() => {
    renewing = renewing.then(async () => {
      const next = text();
      if (await store.setIf(KEY, mine, next)) mine = next;
      else run.abort(new VomoError("busy", `the External ID mapping of ${stateDir} was taken by another import: this one stops`));
    }).catch(() => { /* a renewal that failed to write is tried again at the next turn */ });
  }, RENEW_MS);
  timer.unref();
  return {
    signal: run.signal,
    async release() {
      clearInterval(timer);
      signal.removeEventListener("abort", stop);
      await renewing;
      current = mine;
      await store.setIf(KEY, current, JSON.stringify({ ...owner, expiresAt: 0 }));
    },
  };
}
