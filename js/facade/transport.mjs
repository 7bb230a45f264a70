// The transport the Rust client drives: one HTTP exchange with a per-attempt timeout.
// It only adapts fetch; whether and when to retry is decided in Rust.
export function makeTransport(fetchFn) {
  return async (method, url, token, body, timeoutMs, signal) => {
    if (signal?.aborted) return { error: "aborted" };
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; controller.abort(); }, timeoutMs);
    const onAbort = () => controller.abort();
    signal?.addEventListener?.("abort", onAbort, { once: true });
    try {
      const headers = { Authorization: `Bearer ${token}`, Accept: "application/json" };
      if (body != null) headers["Content-Type"] = "application/json";
      const sentAt = performance.now();
      const res = await fetchFn(url, { method, headers, body: body ?? undefined, redirect: "manual", signal: controller.signal });
      const latencyMs = performance.now() - sentAt; // to the response's headers, for the throttle
      const text = await res.text();
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

// Resolves true after `ms`, or false as soon as `signal` fires.
export function sleep(ms, signal) {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const onAbort = () => { clearTimeout(timer); resolve(false); };
    const timer = setTimeout(() => { signal?.removeEventListener?.("abort", onAbort); resolve(true); }, ms);
    signal?.addEventListener?.("abort", onAbort, { once: true });
  });
}
