// An npm registry of one package for the runtimes tests: the packed tarball (VOMO_TGZ) under
// its own name and version, as registry.npmjs.org answers for it (the packument, then the
// tarball). Deno's `npm:` specifiers fetch through it (NPM_CONFIG_REGISTRY) into Deno's own
// cache, as they would from the real registry once the package is published.
import { createServer } from "node:http";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";

/** Starts the registry for `tgz`, whose package.json is `manifest`; resolves to { url, requests, close }. */
export async function startRegistry(tgz, manifest) {
  const bytes = readFileSync(tgz);
  const requests = [];
  const server = createServer((req, res) => {
    requests.push(req.url);
    const url = `http://127.0.0.1:${server.address().port}`;
    const file = `/${manifest.name}/-/${manifest.name}-${manifest.version}.tgz`;
    if (req.url === `/${manifest.name}`) {
      const dist = { tarball: `${url}${file}`, shasum: createHash("sha1").update(bytes).digest("hex"),
        integrity: `sha512-${createHash("sha512").update(bytes).digest("base64")}` };
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ name: manifest.name, "dist-tags": { latest: manifest.version }, versions: { [manifest.version]: { ...manifest, dist } } }));
    } else if (req.url === file) {
      res.writeHead(200, { "content-type": "application/octet-stream" });
      res.end(bytes);
    } else {
      res.writeHead(404, { "content-type": "application/json" });
      res.end("{}");
    }
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { url: `http://127.0.0.1:${server.address().port}/`, requests, close: () => new Promise((ok) => server.close(ok)) };
}
