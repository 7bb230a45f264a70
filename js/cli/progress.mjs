// Progress on stderr (an import's, a reconciliation's): a bar with ETA that redraws one line when stderr is a terminal,
// plain lines otherwise (every 5 % but at most once a second, or every 5 s, and at the end), so logs stay readable and free of
// escape codes. Hand-rolled rather than a library (cli-progress, progress): the package has
// no runtime dependencies — browser and Worker users install it too — and this is 50 lines.

const REDRAW_MS = 100;
const PLAIN_MS = 5000;
// Plain lines at most once a second: a resumed import passes its settled rows in a few
// milliseconds, which printed a line for every 5 % of them.
const PLAIN_MIN_MS = 1000;

function eta(ms) {
  if (ms == null || !Number.isFinite(ms)) return "--:--";
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const mmss = `${String(m).padStart(h ? 2 : 1, "0")}:${String(s % 60).padStart(2, "0")}`;
  return h ? `${h}:${mmss}` : mmss;
}

/** What an import's progress line says beside the numbers. */
const importCounts = (p) => `created ${p.created}, updated ${p.updated}, failed ${p.failed}`;

export class Progress {
  #out;
  #counts;
  /** When the last line was drawn; first, when the first update came (not the construction:
   *  an import that waited out --lock-timeout printed its first record as due). */
  #last = null;
  #lastPercent = -Infinity;
  #drawn = false;
  #width = 0;

  /** `counts(p)`: the words beside the numbers (an import's counts by default). */
  constructor(out, { counts = importCounts } = {}) {
    this.#out = out;
    this.#counts = counts;
  }

  /**
   * `p`: an onProgress value with `done` and `total`: importRoster's (with its counts and
   * `etaMs`), or reconcile's (`phase`; no ETA: "--:--").
   */
  update(p) {
    const now = Date.now();
    this.#last ??= now;
    const final = p.done >= p.total;
    const percent = p.total ? Math.floor((100 * p.done) / p.total) : 100;
    const counts = this.#counts(p);
    if (this.#out.errIsTTY) {
      if (!final && now - this.#last < REDRAW_MS) return;
      const c = this.#out.errColor;
      const tail = ` ${p.done}/${p.total} ${String(percent).padStart(3)}%  ${counts}  ${final ? "done" : `ETA ${eta(p.etaMs)}`}`;
      // One width for the whole run (the widest tail it can have), so the bar does not jitter.
      const t = p.total;
      const widest = ` ${t}/${t} 100%  ${this.#counts({ ...p, created: t, updated: t, failed: t })}  ETA 00:00:00`.length;
      // A line that wraps could not be redrawn (\r and erase-line reach its last row only):
      // the bar shrinks to fit, goes when it would be under 10, and the rest is cut.
      const columns = this.#out.errColumns;
      this.#width ||= Math.min(40, columns - 3 - widest);
      const width = this.#width;
      const filled = Math.round((width * percent) / 100);
      const bar = width >= 10 ? `[${c.green("#".repeat(filled))}${c.dim("-".repeat(width - filled))}]` : "";
      this.#out.errRaw(`\r\x1b[2K${bar}${bar ? tail : tail.trimStart().slice(0, Math.max(0, columns - 1))}`);
      this.#drawn = true;
    } else {
      const due = (percent >= this.#lastPercent + 5 && now - this.#last >= PLAIN_MIN_MS) || now - this.#last >= PLAIN_MS;
      if (!final && !due) return;
      // The last line says done, as the bar does (a rerun with every row settled has no ETA).
      this.#out.err(`progress: ${p.done}/${p.total} (${percent}%), ${counts}, ${final ? "done" : `ETA ${eta(p.etaMs)}`}`);
      this.#lastPercent = percent;
    }
    this.#last = now;
  }

  /** Ends the bar's line (before other messages, or a new phase with a bar of its own). */
  end() {
    if (this.#drawn) this.#out.endLine();
    this.#drawn = false;
    this.#width = 0;
    this.#lastPercent = -Infinity;
  }
}
