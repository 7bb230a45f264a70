// A read-only file system for the tests of EROFS (FileStore, the CLI's state directory): a
// tmpfs mounted `ro` in a temp directory of its own; and a small one that fills up (ENOSPC). Mounting needs the privilege to (root in
// CI); where the process lacks it, the test is skipped, said as such.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The mount's path, unmounted and removed after test `t`; null (and `t` skipped) where it cannot be mounted. */
export function readOnlyMount(t) {
  return tmpfsMount(t, "ro,size=1m");
}

/**
 * A small writable tmpfs that fills up (ENOSPC) after `size` (`16k`: four pages, a file taking
 * at least one), for the tests of a full disk; `grow(size)` remounts it larger, as freeing
 * space would. Null (and `t` skipped) where it cannot be mounted.
 */
export function smallMount(t, size) {
  const at = tmpfsMount(t, `size=${size}`);
  return at && { at, grow: (to) => execFileSync("mount", ["-o", `remount,size=${to}`, at], { stdio: "pipe" }) };
}

function tmpfsMount(t, options) {
  const dir = mkdtempSync(join(tmpdir(), "vomo-ro-"));
  const at = join(dir, "ro");
  mkdirSync(at);
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", options, "tmpfs", at], { stdio: "pipe" });
  } catch {
    rmSync(dir, { recursive: true, force: true });
    t.skip("this process may not mount a file system");
    return null;
  }
  t.after(() => {
    execFileSync("umount", [at], { stdio: "pipe" });
    rmSync(dir, { recursive: true, force: true });
  });
  return at;
}
