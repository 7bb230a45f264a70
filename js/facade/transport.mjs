// The transport the Rust client drives: one HTTP exchange with a per-attempt timeout.
// It only adapts fetch; whether and when to retry is decided in Rust. `call` is the call's
// options bag (see call.mjs); only its `signal` matters here.

// Browsers (pages and web workers) forbid or ignore a script-set User-Agent, and on a
// cross-origin call it would be one more header the server's CORS preflight must allow:
// none is sent there. Node and workerd send `User-Agent: vomo-users/<version>`.
export const CAN_SET_USER_AGENT = typeof document === "undefined" && typeof importScripts !== "function";

export function makeTransport(fetchFn, userAgent) {
  return async (method, url, token, body, timeoutMs, call, maxBytes) => {
    const signal = call?.signal;
    if (signal?.aborted) return { error: "aborted" };
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; controller.abort(); }, timeoutMs);
    const onAbort = () => controller.abort();
    signal?.addEventListener?.("abort", onAbort, { once: true });
    try {
      const headers = { Authorization: `Bearer ${token}`, Accept: "application/json" };
      if (body != null) headers["Content-Type"] = "application/json";
      if (userAgent) headers["User-Agent"] = userAgent;
      const sentAt = performance.now();
      const res = await fetchFn(url, { method, headers, body: body ?? undefined, redirect: "manual", signal: controller.signal });
      const latencyMs = performance.now() - sentAt; // to the response's headers, for the throttle
      const read = await readBody(res, maxBytes);
      if (read.tooLarge !== undefined) return { error: "too_large", bytes: read.tooLarge };
      const text = read.text;
      return {
        status: res.type === "opaqueredirect" ? 302 : res.status,
        retryAfter: res.headers.get("retry-after"),
        location: res.headers.get("location"),
        date: res.headers.get("date"),
        rateLimit: res.headers.get("x-ratelimit-limit"),
        rateRemaining: res.headers.get("x-ratelimit-remaining"),
        rateReset: res.headers.get("x-ratelimit-reset"),
        latencyMs,
        body: text,
      };
    } catch (e) {
      if (signal?.aborted) return { error: "aborted" };
      if (timedOut) return { error: "timeout" };
      const cause = e?.cause?.code ?? e?.cause?.message;
      return { error: "network", message: String(cause ? `${e.message} (${cause})` : (e?.message ?? e)) };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener?.("abort", onAbort);
    }
  };
}

// Resolves true after `ms`, or false as soon as the call's `signal` fires.
export function sleep(ms, call) {
  const signal = call?.signal;
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const onAbort = () => { clearTimeout(timer); resolve(false); };
    const timer = setTimeout(() => { signal?.removeEventListener?.("abort", onAbort); resolve(true); }, ms);
    signal?.addEventListener?.("abort", onAbort, { once: true });
  });
}

// The body as text, reading at most `maxBytes`: a declared Content-Length beyond it is refused
// unread, and an undeclared body is read as a stream and cut off once it passes the cap.
async function readBody(res, maxBytes) {
  const declared = Number(res.headers.get("content-length") ?? NaN);
  if (declared > maxBytes) {
    await res.body?.cancel?.().catch(() => {});
    return { tooLarge: declared };
  }
  if (declared >= 0 || !res.body?.getReader) return { text: await res.text() };
  const reader = res.body.getReader();
  const chunks = [];
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    if (bytes > maxBytes) {
      await reader.cancel().catch(() => {});
      return { tooLarge: bytes };
    }
    chunks.push(value);
  }
  const all = new Uint8Array(bytes);
  let at = 0;
  for (const c of chunks) { all.set(c, at); at += c.byteLength; }
  return { text: new TextDecoder().decode(all) };
}
