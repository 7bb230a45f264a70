// Work that one tab of this page at a time may do (a poll of a customer, an import of a file):
// all tabs share localStorage, where the package's store keeps its lease, and that lease has
// no atomic read-and-write, so two tabs that start in the same instant could both pass it
// (docs/stores.md). A Web Lock of this origin is atomic. Outside a secure context there are
// no Web Locks; the package's lease alone is left.

/** What `inOneTab` returns when another tab holds the lock. */
export const ANOTHER_TAB = Symbol("another tab");

/** Runs `work` holding this origin's Web Lock `name`, or returns ANOTHER_TAB when another tab holds it. */
export function inOneTab(name, work) {
  if (!globalThis.navigator?.locks) return work();
  return navigator.locks.request(name, { ifAvailable: true }, (lock) => (lock ? work() : ANOTHER_TAB));
}
