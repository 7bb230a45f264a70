// The admin page as a static folder, hostable by any web server: www/ at its root, the
// package's browser files under pkg/ (what the page's import map points at), and a
// config.json with the Connect defaults (never a token).
import { cp, mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** The package files the browser entry needs (browser.mjs imports web/ and facade/). */
export const BROWSER_FILES = ["browser.mjs", "package.json", "web", "facade", "stores/index.mjs"];

/** Writes the static site into `out` (emptied first). `config`: the Connect defaults. */
export async function buildStatic({ www, pkg, out, config = null }) {
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  await cp(www, out, { recursive: true });
  for (const f of BROWSER_FILES) await cp(join(pkg, f), join(out, "pkg", f), { recursive: true });
  if (config) await writeFile(join(out, "config.json"), `${JSON.stringify(config, null, 2)}\n`);
  return out;
}
