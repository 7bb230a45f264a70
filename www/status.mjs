// Client status: what the connected VomoClient reports (stats(), currentRate()), refreshed
// every second, with the observed request rate over the last five seconds.
import { $, fillDl } from "./ui.mjs";
import { currentClient, currentRateOption, clientWarnings, onClient } from "./session.mjs";

export function setupStatus() {
  let samples = [];
  const tick = () => {
    const client = currentClient();
    if (!client) { fillDl($("client-stats"), [["client", "not connected"]]); return; }
    const s = client.stats();
    const now = performance.now();
    samples = [...samples.filter((x) => now - x.t <= 5000), { t: now, requests: s.requests }];
    const first = samples[0];
    const span = (now - first.t) / 1000;
    const observed = span >= 1 ? ((s.requests - first.requests) / span).toFixed(1) : "…";
    const w = clientWarnings();
    fillDl($("client-stats"), [["request rate (last 5 s)", `${observed} requests/s`],
      ["rate limit", `${+client.currentRate().toFixed(2)} requests/s${currentRateOption() === "auto" ? " (auto: learned from the server's answers)" : ""}`], ["requests", s.requests], ["retries", s.retries],
      ["429 responses", s.rateLimited], ["errors", s.errors],
      ["parse warnings", w.count ? `${w.count} (last: ${w.last})` : "0"]]);
  };
  onClient(() => { samples = []; tick(); });
  setInterval(tick, 1000);
}
