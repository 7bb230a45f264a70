// The Node app of a CommonJS codebase: the same as node.js, written with require().
const { parseUserPage, VomoClient, VomoError } = require("vomo-users");
const page = require("./page.json");

async function main() {
  const client = new VomoClient({ baseUrl: process.env.VOMO_SIM_URL, token: process.env.VOMO_SIM_TOKEN, requestsPerSecond: 1000 });
  let error = null;
  try {
    parseUserPage("{ not json");
  } catch (e) {
    error = { isVomoError: e instanceof VomoError, kind: e.kind };
  }
  const users = await client.listAllUsers();
  console.log(JSON.stringify({ ids: parseUserPage(page).data.map((u) => u.id), users: users.length, error }));
}
main().catch((e) => { console.error(e); process.exitCode = 1; });
