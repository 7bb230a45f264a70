// A read-only file system for the tests of EROFS (FileStore, the CLI's state directory): a
// tmpfs mounted `ro` in a temp directory of its own. Mounting needs the privilege to (root in
// CI); where the process lacks it, the test is skipped, said as such.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The mount's path, unmounted and removed after test `t`; null (and `t` skipped) where it cannot be mounted. */
export function readOnlyMount(t) {
  const dir = mkdtempSync(join(tmpdir(), "vomo-ro-"));
  const at = join(dir, "ro");
  mkdirSync(at);
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", at], { stdio: "pipe" });
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
