// Debian's Chromium, headless, with the flags this machine's closed network needs. Imports
// nothing of the installed package, so the layers that run before it is installed (rust-app)
// use it too; helpers.mjs re-exports it for the browser tests.
import { repoRequire } from "../js/repo.mjs";

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
