// Shared by the browser tests: a static server and a headless Chromium.
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, extname, join, normalize, sep } from "node:path";
import { repo, repoRequire } from "../js/helpers.mjs";

const TYPES = { ".html": "text/html", ".mjs": "text/javascript", ".js": "text/javascript",
  ".wasm": "application/wasm", ".json": "application/json", ".css": "text/css" };

/** The installed npm package (what users get), served at /pkg/. */
export const installedPkg = dirname(createRequire(import.meta.url).resolve("vomo-users/package.json"));

/**
 * Serves `root` at / and the installed package at /pkg/, on `host` ("localhost" keeps the
 * page's origin apart from a simulator on 127.0.0.1).
 */
export async function serve(t, { root = repo, host = "localhost" } = {}) {
  const server = createServer(async (req, res) => {
    const url = decodeURIComponent(new URL(req.url, "http://x").pathname);
    const [base, rest] = url.startsWith("/pkg/") ? [installedPkg, url.slice(5)] : [root, url];
    const path = normalize(join(base, rest));
    if (!path.startsWith(base + sep)) { res.writeHead(403).end(); return; }
    try {
      const body = await readFile(path);
      res.writeHead(200, { "Content-Type": TYPES[extname(path)] ?? "application/octet-stream" }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  // close() waits for every open connection, and only drops idle ones: a socket Chromium
  // opened ahead of need (a preconnect that never sends a request) would hold it until
  // Node's request timeout (300 s), with the browser, closed by a later hook, still up.
  t.after(() => new Promise((ok) => { server.close(ok); server.closeAllConnections(); }));
  return { url: `http://${host}:${server.address().port}` };
}

/** Debian's Chromium, headless, with the flags this machine's closed network needs. */
export async function launchChromium(t) {
  const { chromium } = repoRequire("playwright-core");
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
      "--disable-sync", "--no-first-run", "--disable-quic", "--headless"],
  });
  t.after(() => browser.close());
  return browser;
}
