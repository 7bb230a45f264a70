// The state directory: the poller's FileStore per customer (DIR/customers/<customer>/) and the
// imports' progress (DIR/imports/). The package's own FileStore: atomic, durable writes.
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
