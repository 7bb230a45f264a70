// Run by pollingMemory() in a process of its own (node --expose-gc): one UserPoller polls the
// simulator `polls` times, each time a poll, a loadHealth() and a reconcile(), all with one
// caller's AbortSignal (what a long-running `poll --every` or a Worker's object does), and
// prints one JSON line: the heap after a full GC and the wasm memory at 10% of the polls and
// at the end. A leak per request or per poll grows both with the polls.
import { loadWithWasmMemory } from "./wasm-memory.mjs";
const [pkgDir, url, token, polls] = process.argv.slice(2);
const { api: { VomoClient, UserPoller, MemoryStore }, memory } = loadWithWasmMemory(pkgDir);
const wasm = () => memory() / 1048576;
const client = new VomoClient({ token, baseUrl: url, requestsPerSecond: 100_000 });
const signal = new AbortController().signal;
const poller = new UserPoller({ client, store: new MemoryStore(), customerId: "acme", participations: "changed-users", onUser: async () => {} });
const heap = () => { globalThis.gc(); return process.memoryUsage().heapUsed / 1048576; };
let early = null;
for (let i = 1; i <= Number(polls); i++) {
  await poller.poll({ signal });
  await poller.loadHealth();
  await poller.reconcile({ signal });
  if (i === Math.floor(Number(polls) / 10)) early = { heap: heap(), wasm: wasm() };
}
const end = { heap: heap(), wasm: wasm() };
console.log(JSON.stringify({ polls: Number(polls), requests: client.stats().requests, earlyMB: early.heap, heapGrowthMB: end.heap - early.heap,
  wasmMB: end.wasm, wasmGrowthMB: end.wasm - early.wasm }));
