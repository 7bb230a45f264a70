// The TypeScript app compiled to CommonJS (tsc, module commonjs): tsc-cjs.test.mjs puts
// docs/bundlers.md's import lines (`import init, { parseUserPage } from "vomo-users"`, the
// named `startSimulator` of "vomo-users/sim") above this text; the default import and named
// imports of the main entry and a sub-path must work at run time.
import { VomoError } from "vomo-users";
import startSimulatorDefault from "vomo-users/sim";
import page from "./page.json";

async function main(): Promise<void> {
  await init();
  const ids: number[] = parseUserPage(page).data.map((u) => u.id);
  let error: { isVomoError: boolean; kind: string } | null = null;
  try {
    parseUserPage("{ not json");
  } catch (e) {
    if (e instanceof VomoError) error = { isVomoError: true, kind: e.kind };
  }
  const sim = await startSimulator({ port: 0, users: 3 });
  const users = sim.listAll().length;
  await sim.close();
  console.log(JSON.stringify({ ids, users, error, sameSimulator: startSimulatorDefault === startSimulator }));
}
main().catch((e) => { console.error(e); throw e; });
