// Where the repository is, for fixtures and dev tools, with nothing of the installed package:
// the layers that run before the package is installed (rust-app) import this instead of
// helpers.mjs, which imports "vomo-users". VOMO_REPO (scripts/test.sh) points back at the
// repository when the tests run from the temp project that installed the tarball.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const repo = process.env.VOMO_REPO ?? resolve(dirname(fileURLToPath(import.meta.url)), "../..");
/** require() from the repository, for dev tools (typescript, esbuild, miniflare, playwright-core). */
export const repoRequire = createRequire(join(repo, "package.json"));
export const fixture = (name) => readFileSync(join(repo, "tests/fixtures", name), "utf8");
