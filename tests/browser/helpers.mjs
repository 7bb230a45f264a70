// Shared by the browser tests: a static server that also serves the installed package at
// /pkg/, and a headless Chromium.
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { serve as serveDir } from "./serve.mjs";

/** The installed npm package (what users get), served at /pkg/. */
export const installedPkg = dirname(createRequire(import.meta.url).resolve("vomo-users/package.json"));

/** serve.mjs's server, with the installed package at /pkg/. */
export const serve = (t, options = {}) => serveDir(t, { pkg: installedPkg, ...options });

export { launchChromium } from "./chromium.mjs";
