// A static server for pages under test. Imports nothing of the installed package, so the
// layers that run before it is installed (rust-app) use it too; helpers.mjs serves the
// installed package at /pkg/ through it.
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize, sep } from "node:path";
import { repo } from "../js/repo.mjs";

const TYPES = { ".html": "text/html", ".mjs": "text/javascript", ".js": "text/javascript",
  ".wasm": "application/wasm", ".json": "application/json", ".css": "text/css" };

/**
 * Serves `root` at / and, if given, the directory `pkg` at /pkg/, on `host` ("localhost"
 * keeps the page's origin apart from a simulator on 127.0.0.1).
 */
export async function serve(t, { root = repo, host = "localhost", pkg = null } = {}) {
  const server = createServer(async (req, res) => {
    const url = decodeURIComponent(new URL(req.url, "http://x").pathname);
    const [base, rest] = pkg && url.startsWith("/pkg/") ? [pkg, url.slice(5)] : [root, url];
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
