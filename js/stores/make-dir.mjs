// Creates a directory and its missing parents, as `mkdir(dir, { recursive: true })` does.
// Hand-rolled for a measured reason: on Node 20, 22 and 24, that recursive mkdir spins at full
// CPU for ever where the file system answers ENOENT to a mkdir whose parent exists (`/proc`,
// `/sys`: `--state-dir /proc/x/state`); Node 26 answers ENOENT. Here each missing directory
// is made on its own, from the nearest one that exists, so such a file system's ENOENT ends
// the call. Used by FileStore and by the CLI's state directory.
import { mkdir, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";

/**
 * Makes `dir` and its missing parents. Throws the file system's error (ENOTDIR when a parent
 * is a file, EACCES, EROFS...); ENOENT, with a message saying so, when a directory that
 * exists does not take new ones.
 */
export async function makeDirectory(dir) {
  const missing = [];
  for (let at = resolve(dir); ; ) {
    try {
      await stat(at);
      break; // not a directory: mkdir below says ENOTDIR (or EEXIST for `dir` itself, thrown below)
    } catch (e) {
      if (e?.code !== "ENOENT") throw e;
      missing.push(at);
      const up = dirname(at);
      if (up === at) break;
      at = up;
    }
  }
  for (const at of missing.reverse()) {
    try {
      await mkdir(at);
    } catch (e) {
      if (e?.code === "EEXIST" && (await stat(at)).isDirectory()) continue; // made by another process meanwhile
      if (e?.code === "ENOENT") {
        throw Object.assign(new Error(`${dirname(at)} does not take new directories (ENOENT from mkdir ${at})`, { cause: e }), { code: "ENOENT" });
      }
      throw e;
    }
  }
  if (!missing.length && !(await stat(resolve(dir))).isDirectory()) {
    throw Object.assign(new Error(`${resolve(dir)} is not a directory`), { code: "ENOTDIR" });
  }
}
