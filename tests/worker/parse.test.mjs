// `vomo-users/parse` in workerd: bundled by name through its workerd export condition, the
// Worker imports only the parse-only .wasm, and parses there as the main entry does in Node.
import test from "node:test";
import assert from "node:assert/strict";
import * as main from "vomo-users";
import { LIST_PAGE, UPSERT_200, rawUser } from "../js/helpers.mjs";
import { bundleWorker, Miniflare, COMPATIBILITY_DATE } from "./bundle.mjs";

test("a Worker importing vomo-users/parse loads only the parse-only .wasm and parses as the main entry", async (t) => {
  const inputs = [["parseUserPage", LIST_PAGE()], ["parseUserDetail", UPSERT_200()], ["parseUser", rawUser({ id: "9" })]];
  const worker = bundleWorker(t, "parse-worker.mjs", { __INPUTS__: JSON.stringify(inputs) });
  assert.deepEqual(worker.wasmImports, ["vomo_users_parse_bg.wasm"]);
  const mf = new Miniflare({ ...worker, compatibilityDate: COMPATIBILITY_DATE });
  t.after(() => mf.dispose());
  const res = await mf.dispatchFetch("http://worker.local/");
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.deepEqual(body.results, inputs.map(([fn, input]) => main[fn](input)));
  const expected = (() => { try { main.parseUserDetail({ data: { id: 1 } }); } catch (e) { return e; } })();
  assert.deepEqual(body.error, { isVomoError: true, isError: true, kind: "parse", message: expected.message });
});
