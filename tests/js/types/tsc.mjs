// Compiles TypeScript against the installed package's declarations with the repository's
// `tsc` (strict, NodeNext), for the type tests: drift checks and "expect error" checks.
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { repoRequire } from "../helpers.mjs";

// Next to the installed package (tests run from the consumer project), so "vomo-users" resolves.
const here = join(dirname(fileURLToPath(import.meta.url)), "..");
const tsc = repoRequire.resolve("typescript/bin/tsc");

/** `{ ok, out }` for one source file; `options` are more compiler options. */
export function compile(source, options = {}) {
  const dir = mkdtempSync(join(here, "drift-"));
  try {
    writeFileSync(join(dir, "drift.ts"), source);
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: true, noEmit: true,
      target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", lib: ["ES2022", "DOM"], types: [], ...options },
      files: ["drift.ts"] }));
    execFileSync(process.execPath, [tsc, "-p", dir], { encoding: "utf8", stdio: "pipe" });
    return { ok: true, out: "" };
  } catch (e) {
    return { ok: false, out: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `export const name: Type = <value as a literal>;` for each [name, type, value]. */
export function typedLiterals(imports, samples) {
  const lines = [`import type { ${imports.join(", ")} } from "vomo-users";`];
  for (const [name, type, value] of samples) lines.push(`export const ${name}: ${type} = ${JSON.stringify(value, null, 1)};`);
  return lines.join("\n") + "\n";
}
