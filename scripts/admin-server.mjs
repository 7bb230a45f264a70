// The admin page's static server: www/ at /, a built package's browser files at /pkg/, and an
// optional generated /config.json (the page's connect defaults). Used by `npm run admin` and
// by the admin page's browser tests.
//
// Hand-rolled on node:http rather than taken from npm: it is two read-only mounts and one
// generated file (about 40 lines), needs no dependency before `npm ci` has run, and keeps
// the exact MIME types the wasm loader needs (`application/wasm` for streaming compile).
import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { createHash } from "node:crypto";
import { extname, join, normalize, sep } from "node:path";

const TYPES = {
  ".html": "text/html; charset=utf-8", ".mjs": "text/javascript; charset=utf-8", ".js": "text/javascript; charset=utf-8",
  ".wasm": "application/wasm", ".json": "application/json; charset=utf-8", ".css": "text/css; charset=utf-8",
  ".csv": "text/csv; charset=utf-8", ".svg": "image/svg+xml", ".png": "image/png",
};

/** Resolves `rest` inside `base`, or null when it would leave it. */
function inside(base, rest) {
  const path = normalize(join(base, rest));
  return path === base || path.startsWith(base + sep) ? path : null;
}

async function fileFor(path) {
  if (path === null) return null;
  try {
    const s = await stat(path);
    const file = s.isDirectory() ? join(path, "index.html") : path;
    return { file, body: await readFile(file) };
  } catch {
    return null;
  }
}

/** The page's CSP: the inline scripts of www/index.html (its import map) allowed by hash. */
export async function contentSecurityPolicy(www) {
  const page = await readFile(join(www, "index.html"), "utf8").catch(() => "");
  const hashes = [...page.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)].filter(([, body]) => body.trim())
    .map(([, body]) => `'sha256-${createHash("sha256").update(body).digest("base64")}'`);
  return [`script-src 'self' 'wasm-unsafe-eval' ${hashes.join(" ")}`.trim(), "object-src 'none'", "base-uri 'none'",
    "form-action 'none'", "frame-ancestors 'none'"].join("; ");
}

/**
 * Starts the server. `www`: the page's folder; `pkg`: the package folder served at /pkg/
 * (null: serve only `www`, e.g. a static build that carries its own pkg/); `config`: the
 * object served as /config.json (null: /config.json comes from `www` if present).
 * Resolves to `{ url, port, close() }`; `url` uses `host` ("localhost" by default, so the
 * page's origin differs from a simulator on 127.0.0.1 even when the ports were alike).
 */
export async function startAdminServer({ www, pkg = null, config = null, port = 0, host = "localhost",
  listenHost = "127.0.0.1" } = {}) {
  // On every answer: no framing by another site (clickjacking), no content sniffing, no
  // Referer to the API, and scripts only from this server: a name or email that got into the
  // page as markup could run nothing. The inline import map is allowed by its hash, taken from
  // the page served; WebAssembly needs 'wasm-unsafe-eval'. No form may submit anywhere (a
  // Connect form submitted without its script would put the token in a URL). Requests to the
  // API go to whatever origin the operator connects to, so connect-src is left open.
  const SAFETY = { "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
    "Content-Security-Policy": await contentSecurityPolicy(www), "Referrer-Policy": "no-referrer" };
  const loopback = ["127.0.0.1", "::1", "localhost"].includes(listenHost);
  const server = createServer(async (req, res) => {
    for (const [k, v] of Object.entries(SAFETY)) res.setHeader(k, v);
    // Listening on loopback, only names of this machine are answered: a page of another site
    // whose name was pointed at 127.0.0.1 (DNS rebinding) could otherwise read /config.json.
    const name = String(req.headers.host ?? "").replace(/:\d+$/, "").replace(/^\[|\]$/g, "");
    if (loopback && !["localhost", "127.0.0.1", "::1", host].includes(name)) {
      res.writeHead(421, { "Content-Type": "text/plain" }).end("this server answers only for localhost"); return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") { res.writeHead(405, { Allow: "GET, HEAD" }).end(); return; }
    let path;
    try {
      path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    } catch {
      res.writeHead(400).end(); return;
    }
    if (path === "/config.json" && config) {
      res.writeHead(200, { "Content-Type": TYPES[".json"], "Cache-Control": "no-store" }).end(JSON.stringify(config));
      return;
    }
    const found = pkg && path.startsWith("/pkg/") ? await fileFor(inside(pkg, path.slice(5)))
      : await fileFor(inside(www, path));
    if (!found) { res.writeHead(404, { "Content-Type": "text/plain" }).end("not found"); return; }
    res.writeHead(200, { "Content-Type": TYPES[extname(found.file)] ?? "application/octet-stream", "Cache-Control": "no-cache" });
    res.end(req.method === "HEAD" ? undefined : found.body);
  });
  await new Promise((ok, fail) => { server.once("error", fail); server.listen(port, listenHost, ok); });
  const actual = server.address().port;
  return {
    url: `http://${host}:${actual}/`,
    port: actual,
    close: () => new Promise((ok) => { server.closeAllConnections?.(); server.close(() => ok()); }),
  };
}
