// Run by runtimes.test.mjs under Node, Bun and Deno: the package's simulator (vomo-users/sim,
// a node:http server) started in the runtime itself, as an app's own tests would, and the
// client against it. Prints one line of JSON.
import { startSimulator } from "vomo-users/sim";
import { VomoClient } from "vomo-users";

const sim = await startSimulator({ port: 0, users: 30, seed: 8, now: "2026-01-01T00:00:00Z" });
try {
  const client = new VomoClient({ token: sim.token, baseUrl: sim.url, requestsPerSecond: 1000 });
  const users = await client.listAllUsers();
  const upsert = await client.upsertUser({ firstName: "Ana", lastName: "Lima", email: "ana.lima@example.org" });
  const again = await client.upsertUser({ firstName: "Ana", lastName: "Lima", email: "ANA.LIMA@example.org" });
  const detail = await client.getUser(users[0].id);
  const missing = await client.getUser(999999); // 404: null
  console.log(JSON.stringify({ users: users.length, ids: users.slice(0, 3).map((u) => u.id), created: upsert.created,
    sameUser: again.user.id === upsert.user.id && !again.created, detail: detail.email === users[0].email, missing,
    requests: sim.log().length }));
} finally {
  await sim.close();
}
