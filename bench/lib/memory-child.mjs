// Run by listingMemory() in a process of its own (node --expose-gc), so that nothing else the
// bench did sits in the heap: streams every user through `listUsers()` and prints one JSON
// line with the heap after a full GC at 10% of the listing and at its end.
const [pkgIndex, url, token, users] = process.argv.slice(2);
const api = await import(pkgIndex);
const client = new api.VomoClient({ token, baseUrl: url, requestsPerSecond: 100_000 });
const heap = () => { globalThis.gc(); return process.memoryUsage().heapUsed / 1048576; };
let n = 0, early = null;
for await (const user of client.listUsers()) {
  if (user.id > 0) n++;
  if (n === Math.floor(Number(users) / 10)) early = heap();
}
const end = heap();
console.log(JSON.stringify({ users: n, earlyMB: early, endMB: end, growthMB: end - early }));
