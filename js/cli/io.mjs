// Where the command's output goes: stdout for results (one JSON value per line with --json),
// stderr for messages and progress. Every write passes through the package's redactToken,
// which replaces the token however it is written (as the client sends it, encoded, escaped,
// cut short), should it ever reach a message, so it can never be printed. Results on stdout
// (the API's data) are filtered for a token of DATA_TOKEN_MIN characters or more: a shorter
// one (a test token such as "example") turns up in ordinary data by chance, and replacing it
// there would change the data (`edward@[redacted].org`); messages are filtered for every token. Colors only when the
// stream is a terminal that supports them and NO_COLOR is not set (node:util styleText does
// the escape codes; on Node versions without it there are no colors).
import * as util from "node:util";
import { redactToken } from "vomo-users";
import { shownLines } from "./format.mjs";

/** True when `stream` should get colors: a color terminal, and NO_COLOR absent or empty. */
export function colorsFor(stream, env) {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (!stream.isTTY || typeof util.styleText !== "function") return false;
  // Node's own check takes any NO_COLOR, the empty one too: asked without it (decided above).
  const { NO_COLOR: _, ...rest } = env;
  return typeof stream.hasColors === "function" ? stream.hasColors(rest) : false;
}

function painter(enabled) {
  // validateStream off: decided by colorsFor (Node 22+ would check process.stdout and NO_COLOR
  // again, its own way; Node 20 takes no options).
  const paint = (format) => (text) => (enabled ? util.styleText(format, String(text), { validateStream: false }) : String(text));
  return { enabled, bold: paint("bold"), dim: paint("dim"), red: paint("red"), green: paint("green"),
           yellow: paint("yellow"), cyan: paint("cyan") };
}

/** The shortest token filtered out of results (VOMO's tokens are far longer). */
export const DATA_TOKEN_MIN = 16;

export class Output {
  #stdout;
  #stderr;
  #secrets = [];
  /** Whether stderr's last raw write left its line open (a progress bar). */
  #openLine = false;

  constructor({ stdout = process.stdout, stderr = process.stderr, env = process.env, json = false } = {}) {
    this.#stdout = stdout;
    this.#stderr = stderr;
    this.json = json;
    this.color = painter(colorsFor(stdout, env));
    this.errColor = painter(colorsFor(stderr, env));
    /** Whether stderr is a terminal (a progress bar) or not (plain progress lines). */
    this.errIsTTY = Boolean(stderr.isTTY);
    this.errColumns = stderr.columns || 80;
  }

  /** Never print `secret` (the token, as given): every later write has it replaced. */
  hide(secret) {
    if (typeof secret === "string" && !this.#secrets.includes(secret)) this.#secrets.push(secret);
  }

  redact(text, min = 0) {
    let s = String(text);
    for (const secret of this.#secrets) {
      if (secret.length < min) continue;
      try {
        s = redactToken(s, secret);
      } catch {
        // The package's wasm could not load (Deno without --allow-read): the message saying so
        // must still be printed. Nothing was sent, so the token can be in it only as given.
        s = s.split(secret).join("[redacted]");
      }
    }
    return s;
  }

  /** A result for stdout, filtered for the tokens long enough not to be in data by chance. */
  #result(text) {
    return this.redact(text, DATA_TOKEN_MIN);
  }

  /** One line of stdout. */
  line(text = "") {
    this.#stdout.write(this.#result(text) + "\n");
  }

  /** One JSON value on one line of stdout. */
  value(v) {
    this.#stdout.write(this.#result(JSON.stringify(v)) + "\n");
  }

  /**
   * One line of stdout (or `v` as JSON when `json`), resolved once the stream has taken it:
   * the poller counts a change as delivered when its handler returns, so the handler waits.
   */
  delivered(v, json) {
    const text = this.#result(json ? JSON.stringify(v) : v) + "\n";
    return new Promise((ok, fail) => this.#stdout.write(text, (e) => (e ? fail(e) : ok())));
  }

  /** One line (or several) of stderr: messages, which may quote the API's or a roster's text
   *  (a warning, an error), so no character a terminal would act on is written raw (shownLines). */
  err(text = "") {
    // Over a progress bar's line, not after it (--verbose's lines come while it is drawn);
    // the bar is drawn again below at its next update.
    const over = this.#openLine ? "\r\x1b[2K" : "";
    this.#openLine = false;
    this.#stderr.write(over + shownLines(this.redact(text)) + "\n");
  }

  /** Raw stderr write (the progress bar redraws its line). */
  errRaw(text) {
    const s = String(text);
    if (s !== "") this.#openLine = !s.endsWith("\n");
    this.#stderr.write(this.redact(s));
  }

  /** Ends a line errRaw left open (a progress bar's), if one is. */
  endLine() {
    if (this.#openLine) this.errRaw("\n");
  }

  /** Resolves once everything written so far is flushed (before process.exit). */
  async flush() {
    await Promise.all([this.#stdout, this.#stderr].map((s) => new Promise((ok) => {
      if (!s.writableLength) return ok();
      s.write("", () => ok());
    })));
  }
}
