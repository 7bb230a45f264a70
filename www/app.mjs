// Bootstrap: loads the package (through the import map) and then the screens. Kept apart
// so that a page served without the package shows why, instead of staying on "loading".
const status = document.getElementById("app-status");

try {
  const { start } = await import("./main.mjs");
  await start();
} catch (e) {
  const missing = /import|module|fetch/i.test(String(e?.message)) && !e?.kind;
  status.className = "error";
  status.textContent = missing
    ? "error: could not load the vomo-users package from ./pkg/. Start the page with `npm run admin`, " +
      "or host a static build (`npm run admin -- --static DIR`)."
    : `error: ${e?.kind ? `[${e.kind}] ` : ""}${e?.message ?? e}`;
}
