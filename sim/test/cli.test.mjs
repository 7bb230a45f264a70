// Starting from the shell: node sim/cli.mjs prints one JSON line, serves, exits on SIGTERM.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const CLI = fileURLToPath(new URL("../cli.mjs", import.meta.url));

test("cli: starts from the shell, prints {url, token, foreignUrl}, honours flags, stops on SIGTERM", async () => {
  const child = spawn(process.execPath, [CLI, "--port", "0", "--users", "40", "--seed", "3", "--per-page", "10",
    "--rps", "100", "--burst", "100", "--strict"], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    const line = await new Promise((resolve, reject) => {
      let buf = "";
      child.stdout.on("data", (c) => { buf += c; if (buf.includes("\n")) resolve(buf.split("\n")[0]); });
      child.on("exit", (code) => reject(new Error(`exited ${code}`)));
    });
    const info = JSON.parse(line);
    assert.deepEqual(Object.keys(info), ["url", "token", "foreignUrl"]);
    assert.match(info.url, /^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const page = await (await fetch(`${info.url}/users`, { headers: { Authorization: `Bearer ${info.token}` } })).json();
    assert.equal(page.meta.total, 40);
    assert.equal(page.meta.per_page, 10);
    const r = await fetch(`${info.url}/users`, { method: "POST", headers: { Authorization: `Bearer ${info.token}`,
      "Content-Type": "application/json" }, body: JSON.stringify({ first_name: "A", last_name: "B", email: "a@b.example" }) });
    assert.equal(r.status, 422, "--strict");
    const exited = new Promise((resolve) => child.on("exit", (code, sig) => resolve(code ?? sig)));
    child.kill("SIGTERM");
    assert.equal(await exited, 0);
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
  }
});

test("cli: --help", () => {
  const out = execFileSync(process.execPath, [CLI, "--help"], { encoding: "utf8" });
  assert.match(out, /--port/);
  assert.match(out, /--rps/);
});
