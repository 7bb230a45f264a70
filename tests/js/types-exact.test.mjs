// Exact input types and open enums (issue 10, item 6), against the installed package's
// .d.ts: a misspelt roster field or an unknown role fails to compile ("@ts-expect-error"
// lines fail the build when no error occurs), any case of a role compiles as the docs say,
// and the open enums still offer their known values to the editor (TypeScript's own
// language service asked for completions).
import test from "node:test";
import assert from "node:assert/strict";
import { writeFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { repoRequire } from "./helpers.mjs";
import { compile } from "./types/tsc.mjs";

const SOURCE = `
import { VomoClient, importRoster, parseRosterCsv } from "vomo-users";
import type { RosterRecord, UpsertUserInput, User, CallOptions } from "vomo-users";

export async function run(client: VomoClient): Promise<void> {
  // @ts-expect-error a misspelt field in a roster record
  await importRoster(client, [{ externalId: "crm-1", firstName: "Ana", lastName: "Lima", emial: "ana@example.org" }]);
  // @ts-expect-error the same in a typed variable
  const typo: RosterRecord = { email: "a@b.org", frist_name: "A" };
  const ok: RosterRecord[] = [{ externalId: null, firstName: "A", lastName: "B", email: "a@b.org", role: "volunteer" }];
  await importRoster(client, [...ok, ...parseRosterCsv("email\\na@b.org\\n").records]);

  // role: any case, as the docs say; nothing else
  const roles: UpsertUserInput["role"][] = ["ADMIN", "admin", "Admin", "aDmIn", "organizer", "Volunteer", null];
  // @ts-expect-error not a role
  const boss: UpsertUserInput["role"] = "boss";

  // open enums: new values from the server are plain strings, known ones stay literal
  const status: User["userStatus"] = "SUSPENDED_PENDING_REVIEW";
  const role: User["membershipRole"] = "ADMIN";
  const user = {} as User;
  if (user.userStatus === "VERIFIED" || user.membershipStatus === "SOMETHING_NEW") console.log(user.id);

  // call options
  const call: CallOptions = { signal: AbortSignal.timeout(1000), timeoutMs: 500, maxRetries: 0 };
  // @ts-expect-error timeoutMs is a number
  const badCall: CallOptions = { timeoutMs: "fast" };
  await client.getUser(1, { maxRetries: 2, timeoutMs: 1000 });
  console.log(typo, ok, roles, boss, status, role, call, badCall);
}
`;

test("exact roster records, any-case roles, open enums and call options compile as documented", () => {
  const r = compile(SOURCE);
  assert.ok(r.ok, r.out);
});

test("the expect-error lines are live: without them the file does not compile, naming each mistake", () => {
  const r = compile(SOURCE.replaceAll("// @ts-expect-error", "//"));
  assert.equal(r.ok, false);
  for (const name of ["'emial'", "'frist_name'", "'\"boss\"'", "Type 'string' is not assignable to type 'number'"]) {
    assert.ok(r.out.includes(name), `${name} in:\n${r.out}`);
  }
  assert.equal(r.out.match(/error TS/g).length, 4, r.out);
});

test("open enums keep their known values in the editor's completions", () => {
  const ts = repoRequire("typescript");
  const file = join(process.cwd(), "js", "completions-probe.ts");
  const text = 'import type { User, UpsertUserInput } from "vomo-users";\n'
    + 'export const s: User["userStatus"] = "";\n'
    + 'export const m: User["membershipStatus"] = "";\n'
    + 'export const r: UpsertUserInput["role"] = "";\n';
  writeFileSync(file, text);
  try {
    const options = { strict: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022, types: [] };
    const host = {
      getScriptFileNames: () => [file], getScriptVersion: () => "1",
      getScriptSnapshot: (f) => (ts.sys.fileExists(f) ? ts.ScriptSnapshot.fromString(ts.sys.readFile(f)) : undefined),
      getCurrentDirectory: () => process.cwd(), getCompilationSettings: () => options,
      getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o), fileExists: ts.sys.fileExists, readFile: ts.sys.readFile,
      readDirectory: ts.sys.readDirectory, directoryExists: ts.sys.directoryExists, getDirectories: ts.sys.getDirectories,
    };
    const service = ts.createLanguageService(host, ts.createDocumentRegistry());
    const at = (line) => text.indexOf('= "";', text.indexOf(line)) + 3; // inside the quotes
    const names = (line) => new Set((service.getCompletionsAtPosition(file, at(line), {})?.entries ?? []).map((e) => e.name));
    const status = names("export const s");
    for (const v of ["VERIFIED", "UNVERIFIED", "BANNED"]) assert.ok(status.has(v), `userStatus offers ${v}: ${[...status]}`);
    const membership = names("export const m");
    for (const v of ["ACCEPTED", "PENDING", "REJECTED"]) assert.ok(membership.has(v), `membershipStatus offers ${v}`);
    const roles = names("export const r");
    for (const v of ["VOLUNTEER", "ORGANIZER", "ADMIN"]) assert.ok(roles.has(v), `role offers ${v}`);
  } finally {
    rmSync(file, { force: true });
  }
});
