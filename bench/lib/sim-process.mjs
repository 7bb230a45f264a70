// The simulator in a child process, so that its CPU and event loop are not the measured
// client's. Driven over its HTTP control API (/__sim/).
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const CLI = fileURLToPath(new URL("../../sim/cli.mjs", import.meta.url));

/** Starts `node sim/cli.mjs --port 0 ...args`; resolves to { url, token, origin, control, log, close }. */
export async function startSimProcess(args = []) {
  const child = spawn(process.execPath, [CLI, "--port", "0", ...args], { stdio: ["ignore", "pipe", "inherit"] });
  const info = await new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).once("line", (l) => resolve(JSON.parse(l)));
    child.once("exit", (code) => reject(new Error(`simulator exited ${code}`)));
  });
  const origin = info.url.replace(/\/v1$/, "");
  const control = async (method, path, body) => {
    const send = () => fetch(`${origin}/__sim/${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
    // Once more when an idle keep-alive connection was closed by the server as we reused it.
    const r = await send().catch((e) => (e?.cause?.code === "UND_ERR_SOCKET" ? send() : Promise.reject(e)));
    if (!r.ok) throw new Error(`sim ${method} ${path}: ${r.status} ${await r.text()}`);
    return r.json();
  };
  return {
    ...info,
    origin,
    control,
    configure: (partial) => control("POST", "config", partial),
    reset: (opts) => control("POST", "reset", opts),
    log: () => control("GET", "log"),
    clearLog: () => control("DELETE", "log"),
    close: () => new Promise((resolve) => { child.once("exit", resolve); child.kill("SIGTERM"); }),
  };
}
