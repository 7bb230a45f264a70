// What the two Rust wasm apps (examples/rust_app.rs, examples/rust_parse_app.rs) are asked to
// do on each platform: the same module runs in Node (exports.test.mjs), in Chromium and in
// workerd (platforms.test.mjs), and checkScenario holds every platform's result to the same
// assertions. `full` and `parse` are the apps' initialized JS modules; `sim` and `token`
// reach the simulator over real HTTP; `page` is a list response's text.
export async function runScenario(full, parse, { sim, token, page }) {
  const error = (f) => { try { f(); return null; } catch (e) { return String(e); } };
  const firstPage = await fetch(`${sim}/users?page=1`, { headers: { Authorization: `Bearer ${token}` } });
  return {
    fullExports: Object.keys(full).sort(),
    parseExports: Object.keys(parse).sort(),
    policy: full.policy(),
    counts: [full.countUsers(page), parse.countUsers(page)],
    errors: [error(() => full.countUsers("{\"data\": 5}")), error(() => parse.countUsers("{\"data\": 5}"))],
    listed: await full.listEmails(sim, token),
    firstPageEmails: parse.pageEmails(await firstPage.text()),
    wrongToken: await full.listEmails(sim, "wrong-token").then(() => null, (e) => String(e)),
  };
}

/** The assertions every platform's result must pass; `simulator` is the one it talked to. */
export function checkScenario(assert, result, simulator) {
  assert.deepEqual(result.fullExports, ["countUsers", "default", "initSync", "listEmails", "policy"]);
  assert.deepEqual(result.parseExports, ["countUsers", "default", "initSync", "pageEmails"]);
  assert.equal(result.policy, "the app's own", "the app's `policy`, not the package's");
  assert.deepEqual(result.counts, [2, 2], "both apps parse the spec's example page");
  assert.match(result.errors[0], /data/, "a parse error names the JSON path");
  assert.equal(result.errors[1], result.errors[0], "the parse-only app fails as the full one does");
  const emails = simulator.listAll().map((u) => u.email);
  assert.deepEqual(result.listed, emails, "the full app's client lists every user, in order");
  assert.deepEqual(result.firstPageEmails, emails.slice(0, 15), "the parse-only app reads the server's first page");
  assert.match(result.wrongToken ?? "resolved", /auth|401|token/i, "a wrong token is rejected");
}
