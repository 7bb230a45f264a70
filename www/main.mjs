// The page after the package has loaded: init() the wasm, fill the Connect form from
// ./config.json (written by `npm run admin` or a static build; absent is fine), wire the screens.
import init from "vomo-users";
import { $, errorText, say } from "./ui.mjs";
import { connect, disconnect, onClient, onTokenRefused, onAnsweredAgain, onUnreachable, apiScope } from "./session.mjs";
import { setupUsers } from "./users.mjs";
import { setupDetail } from "./detail.mjs";
import { setupUpsert } from "./upsert.mjs";
import { setupImport } from "./import.mjs";
import { setupChanges } from "./changes.mjs";
import { setupStatus } from "./status.mjs";

/** Connect defaults when no config.json is served: the simulator on its usual port. */
const DEFAULTS = { baseUrl: "http://127.0.0.1:4010/v1", requestsPerSecond: 3 };

async function loadConfig() {
  try {
    const res = await fetch("./config.json", { cache: "no-store" });
    if (res.ok) return { ...DEFAULTS, ...(await res.json()) };
  } catch { /* no config: defaults */ }
  return { ...DEFAULTS };
}

/** The rate field: "auto" (the client learns the server's limit) or a number; anything else is
 *  passed on as it is, for the client's own message ("must be a finite number or \"auto\""). */
function rateOf(text) {
  const t = text.trim();
  if (t.toLowerCase() === "auto") return "auto";
  return t !== "" && Number.isFinite(Number(t)) ? Number(t) : t;
}

function setupConnect(config) {
  const form = $("connect-form");
  const out = $("connect-status");
  // A field the operator typed in while the package loaded keeps what was typed.
  const fill = (input, value) => { if (input.value === input.defaultValue) input.value = value; };
  fill(form.baseUrl, config.baseUrl);
  fill(form.rps, String(config.requestsPerSecond));
  // The simulator's test token (a public test credential) is filled in; a real one is typed.
  if (config.token) fill(form.token, config.token);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    say(out, "connecting…");
    const connecting = connect({ baseUrl: form.baseUrl.value.trim(), token: form.token.value,
      requestsPerSecond: rateOf(form.rps.value) });
    $("disconnect-button").disabled = false; // Forget can end a Connect that hangs
    try {
      // One request proves the URL and the token (session.mjs); the screens wait for it.
      const total = await connecting;
      say(out, `connected to ${apiScope()}: ${total} users`); // the URL as the client reads it
    } catch (e) {
      if (e?.superseded) return; // a newer Connect or Forget says what happened
      say(out, `not connected: ${errorText(e)}`, true);
      $("disconnect-button").disabled = true;
    }
  });
  $("connect-button").disabled = false; // the handler above is in place: Enter connects
  $("disconnect-button").addEventListener("click", () => {
    disconnect();
    form.token.value = "";
    say(out, "token forgotten; not connected");
  });
  onTokenRefused(({ method, path }) => {
    say(out, `the token was refused (HTTP 401) by ${method} ${path}: it was revoked or has expired since Connect; connect again with a valid one`, true);
  });
  onUnreachable(({ method, path, error, attempt }) => {
    say(out, `${apiScope()} did not answer ${method} ${path} (${error === "timeout" ? "timed out" : "network error"}, attempt ${attempt}) `
      + "since Connect: the server is down or cannot be reached; this line says so when a request gets through again", true);
  });
  onAnsweredAgain(({ method, path, status }, was) => {
    say(out, was === "refused"
      ? `connected to ${apiScope()}: the token was accepted again (HTTP ${status} to ${method} ${path}) after a refusal`
      : `connected to ${apiScope()}: the API answers again (HTTP ${status} to ${method} ${path})`);
  });
  onClient((client) => {
    $("disconnect-button").disabled = !client;
    for (const b of document.querySelectorAll(".needs-client")) b.disabled = !client;
  });
}

export async function start() {
  await init();
  const config = await loadConfig();
  setupConnect(config);
  setupUsers();
  setupDetail();
  setupUpsert();
  setupImport();
  setupChanges();
  setupStatus();
  say($("app-status"), config.note ?? "ready");
}
