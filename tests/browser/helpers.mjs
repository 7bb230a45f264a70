// Shared by the browser tests: a static server that also serves the installed package at
// /pkg/, and a headless Chromium.
import { createRequire } from "node:module";
import { launchChromium } from "./chromium.mjs";
import { dirname } from "node:path";
import { serve as serveDir } from "./serve.mjs";

/** The installed npm package (what users get), served at /pkg/. */
export const installedPkg = dirname(createRequire(import.meta.url).resolve("vomo-users/package.json"));

/** serve.mjs's server, with the installed package at /pkg/. */
export const serve = (t, options = {}) => serveDir(t, { pkg: installedPkg, ...options });

export { launchChromium };

/** A page of a fresh headless Chromium, opened at `url`; its page errors go to `problems`. */
export async function openPage(t, url) {
  const page = await (await launchChromium(t)).newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  await page.goto(url);
  return { page, problems };
}
