// The state directory: the poller's FileStore per customer (DIR/customers/<customer>/), the
// imports' progress (DIR/imports/) and the imports' external-id mapping (DIR/mapping/). The
// package's own FileStore: atomic, durable writes.
import { homedir } from "node:os";
import { join } from "node:path";
import { FileStore, fileNameOf } from "vomo-users/stores/file";

/** $XDG_STATE_HOME/vomo-users, else ~/.local/state/vomo-users (import's default; poll requires --state-dir). */
export function defaultStateDir(env) {
  return join(env.XDG_STATE_HOME || join(homedir(), ".local", "state"), "vomo-users");
}

/** The directory of one customer's poller store. */
export const customerDir = (stateDir, customerId) => join(stateDir, "customers", fileNameOf(customerId));

export const pollerStore = (stateDir, customerId) => new FileStore(customerDir(stateDir, customerId));

export const importStore = (stateDir) => new FileStore(join(stateDir, "imports"));

/**
 * importRoster's `mapping` (docs/import.md, "Email changes and the mapping") in DIR/mapping/:
 * one entry per External ID, `{ vomoUserId, email }` as last synced, shared by every import
 * into this state directory. With `accept` (--accept-email-changes), the email of each of
 * `records` stands as confirmed: a changed one is sent, and recorded once the upsert succeeds.
 */
export function importMapping(stateDir, records, accept) {
  const dir = join(stateDir, "mapping");
  const store = new FileStore(dir);
  const confirmed = new Map(accept ? records.filter((r) => r.externalId != null).map((r) => [r.externalId, r.email]) : []);
  return {
    async get(externalId) {
      const text = await store.get(externalId);
      if (text == null) return null;
      let mapped;
      try {
        mapped = JSON.parse(text);
      } catch {
        throw new Error(`the mapping entry of External ID ${JSON.stringify(externalId)} in ${dir} is not JSON`);
      }
      return confirmed.has(externalId) ? { ...mapped, email: confirmed.get(externalId) } : mapped;
    },
    set: (externalId, mapped) => store.set(externalId, JSON.stringify(mapped)),
  };
}
