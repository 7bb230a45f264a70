// The main job, through the package's command line: runs `vomo-users demo` from the built
// pkg/ (the file its package.json `bin` names, as an installed package links it).
// DEMO_USERS=N sets the simulator's size (--users N).
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const pkg = join(dirname(fileURLToPath(import.meta.url)), "..", "pkg");
const bin = JSON.parse(readFileSync(join(pkg, "package.json"), "utf8")).bin["vomo-users"];
const users = process.env.DEMO_USERS ? ["--users", process.env.DEMO_USERS] : [];
const r = spawnSync(process.execPath, [join(pkg, bin), "demo", ...users, ...process.argv.slice(2)], { stdio: "inherit" });
process.exit(r.status ?? 1);
