// The connection: one VomoClient built from the Connect form. The token lives only in this
// module's memory (never in the URL, localStorage, sessionStorage, logs or page text), and
// `secretFilter` cuts it out of any text the page shows (the package's redactToken, which
// finds it however it is written), as a second line of defence. Work started with a client
// (a listing, an import, a poll) takes its signal from `work()`: Forget and a new Connect
// abort it, so a forgotten token is sent no more.
import { VomoClient, redactToken } from "vomo-users";

let token = null;
let client = null;
let clientRate = null; // the connected client's requestsPerSecond, as given: a number or "auto"
let session = new AbortController();
const listeners = new Set();
const refusedListeners = new Set();
const unreachableListeners = new Set();
const acceptedListeners = new Set();
/** What went wrong with the connected client's requests since Connect, until one succeeds
 *  again: null, "refused" (a 401: the token) or "unreachable" (no answer: the server). */
let trouble = null;
const warnings = { count: 0, last: null };

export function secretFilter(text) {
  return token ? redactToken(String(text), token) : String(text);
}

/** Why a session's work stopped when the session ended (its abort reason's message). */
export const SESSION_ENDED = "the connection was closed (Forget or a new Connect)";

/**
 * An AbortController for one piece of work with the current client: aborted by its owner
 * (Cancel, Pause), and by the end of the session (Forget, or Connect to another API).
 */
export function work() {
  const controller = new AbortController();
  const end = () => controller.abort(new DOMException(SESSION_ENDED, "AbortError"));
  if (session.signal.aborted) end();
  else session.signal.addEventListener("abort", end, { once: true });
  return controller;
}

/** Ends the session: every work() of it is aborted. */
function endSession() {
  session.abort();
  session = new AbortController();
}

/** Numbers each Connect, so that one a newer Connect or Forget replaced can tell. */
let attempt = 0;

/**
 * Builds the client and proves the URL and the token with one request (the first page of the
 * listing, at most 15 s, one retry) before any screen may use it: until then the screens stay
 * disabled. Resolves to the number of users. Throws the package's VomoError on bad options
 * or a failed request (the token is then forgotten); Forget or a newer Connect abort it, and
 * one a newer Connect replaced throws with `superseded` set (its outcome is not shown).
 */
export async function connect({ baseUrl: url, token: secret, requestsPerSecond }) {
  let next;
  try {
    next = new VomoClient({
      token: secret, baseUrl: url, requestsPerSecond,
      onWarning: (message) => { warnings.count += 1; warnings.last = secretFilter(message); },
      // A 401 after Connect proved the token: it was revoked or expired meanwhile; no answer
      // at all (a network error, a timeout): the server is down or cannot be reached. The
      // screen whose request it was says so too; the Connect line must stop saying
      // "connected". A later success (a refusal injected once, a token restored, the server
      // back) takes the warning back: the line must not go on saying it while requests succeed.
      log: (entry) => {
        if (client !== next) return;
        if (entry.status === 401) {
          trouble = "refused";
          for (const f of refusedListeners) f(entry);
        } else if (entry.error === "network" || entry.error === "timeout") {
          trouble = "unreachable";
          for (const f of unreachableListeners) f(entry);
        } else if (trouble && entry.status >= 200 && entry.status < 300) {
          const was = trouble;
          trouble = null;
          for (const f of acceptedListeners) f(entry, was);
        }
      },
    });
  } catch (e) {
    disconnect(); // options refused: the earlier connection is not kept either
    throw e;
  }
  endSession();
  const mine = ++attempt;
  token = secret;
  client = null;
  trouble = null;
  warnings.count = 0;
  warnings.last = null;
  for (const f of listeners) f(null);
  try {
    const pages = next.listUserPages({}, { signal: work().signal, timeoutMs: 15_000, maxRetries: 1 });
    const first = await pages.next();
    await pages.return();
    if (mine !== attempt) throw Object.assign(new Error("replaced by a newer Connect"), { superseded: true });
    client = next;
    clientRate = requestsPerSecond;
    for (const f of listeners) f(client);
    return first.done ? 0 : first.value.meta.total;
  } catch (e) {
    if (mine !== attempt) throw Object.assign(e instanceof Error ? e : new Error(String(e)), { superseded: true });
    token = null;
    throw e;
  }
}

export function disconnect() {
  attempt += 1; // a Connect under way is over
  endSession();
  token = null;
  client = null;
  for (const f of listeners) f(null);
}

export const currentClient = () => client;
/** The connected client's requestsPerSecond as it was given (a number, or "auto"). */
export const currentRateOption = () => (client ? clientRate : null);
/**
 * What the page's saved state (poll checkpoints, import progress) is kept per: the API's base
 * URL as the client checked it (`client.baseUrl`: `http://127.0.0.1:4010/v1/` and
 * `http://127.0.0.1:4010/v1` are one API, with one state). The simulator of `npm run admin`
 * and a real API served on the same origin share this page's localStorage; without it, a
 * roster tried on the simulator would count as imported against the real API, and a poll
 * there would go on from the simulator's checkpoint (which the package refuses).
 */
export const apiScope = () => client?.baseUrl ?? "(not connected)";
export const clientWarnings = () => ({ ...warnings });

/** Calls `f(client | null)` now and on every connect and disconnect. */
export function onClient(f) {
  listeners.add(f);
  f(client);
}

/** The client, or an error a screen can show when nobody has connected yet. */
export function requireClient() {
  if (!client) throw Object.assign(new Error("connect first (Connect screen)"), { kind: "not_connected" });
  return client;
}

/** `f(entry)` when the server refuses the connected client's token (HTTP 401) after Connect. */
export function onTokenRefused(f) {
  refusedListeners.add(f);
}

/** `f(entry)` when a request of the connected client gets no answer (a network error or a
 *  timeout) after Connect: the server is down or cannot be reached. */
export function onUnreachable(f) {
  unreachableListeners.add(f);
}

/** `f(entry, was)` when a request succeeds (2xx) after such a refusal (`was` "refused") or
 *  after requests got no answer (`was` "unreachable"). */
export function onAnsweredAgain(f) {
  acceptedListeners.add(f);
}
