// Shared by the JS tests. They run from a temp project that installed the packed tarball
// (scripts/test.sh copies tests/ there), so "vomo-users" resolves to the installed copy;
// VOMO_REPO points back at the repository for fixtures and dev tools.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const repo = process.env.VOMO_REPO ?? resolve(dirname(fileURLToPath(import.meta.url)), "../..");
/** require() from the repository, for dev tools (typescript, esbuild, miniflare, playwright-core). */
export const repoRequire = createRequire(join(repo, "package.json"));
export const fixture = (name) => readFileSync(join(repo, "tests/fixtures", name), "utf8");
export const LIST_PAGE = () => fixture("list_page_spec_example.json");
export const UPSERT_200 = () => fixture("upsert_200_doc_example.json");
export const publicNames = () => JSON.parse(readFileSync(join(repo, "js/public-names.json"), "utf8"));

/** Every value in a parsed shape, walked: no undefined anywhere, no "" for optional fields. */
export function assertNoUndefined(value, path = "$") {
  if (value === undefined) throw new Error(`${path} is undefined`);
  if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) assertNoUndefined(v, `${path}.${k}`);
  }
}

export const USER_KEYS = ["id", "firstName", "lastName", "fullName", "email", "phone", "address", "birthday",
  "gender", "createdAt", "updatedAt", "userStatus", "membershipStatus", "membershipRole"];
export const PARTICIPATION_KEYS = ["projectId", "projectDateId", "guests", "signedUpAt", "checkedInAt",
  "checkedOutAt", "hours", "verified", "role"];
export const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** A minimal valid raw (wire-format) user, for building bodies in tests. */
export const rawUser = (extra = {}) => ({ id: 1, email: "a@b.org", first_name: "A", last_name: "B",
  created_at: "2025-01-01T00:00:00Z", updated_at: "2025-01-02T00:00:00Z", ...extra });
