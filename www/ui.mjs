// Small DOM helpers shared by the screens: element building, cells, readable errors.
import { secretFilter } from "./session.mjs";

export const $ = (id) => document.getElementById(id);

/** `el("td", { className: "x" }, "text", child)`: an element with properties and children. */
export function el(tag, props = {}, ...children) {
  const { dataset, ...rest } = props;
  const node = Object.assign(document.createElement(tag), rest);
  if (dataset) Object.assign(node.dataset, dataset);
  for (const c of children) if (c != null) node.append(c instanceof Node ? c : String(c));
  return node;
}

/** A table cell; null is shown as a grey "null" (the package never gives undefined or ""). */
export function cell(value) {
  return value === null || value === undefined ? el("td", { className: "null" }, "null") : el("td", {}, String(value));
}

export function row(values) {
  return el("tr", {}, ...values.map((v) => (v instanceof Node ? (v.nodeName === "TD" ? v : el("td", {}, v)) : cell(v))));
}

/** A definition list from `[term, value]` pairs. */
export function fillDl(dl, pairs) {
  dl.replaceChildren(...pairs.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v === null ? "null" : String(v))]));
}

/**
 * A readable one-line error with its kind: "[validation] HTTP 422: The given data was
 * invalid." The token is cut out of it in any case (the package never puts it there).
 */
export function errorText(e) {
  const kind = e?.kind ?? (e?.name === "AbortError" ? "aborted" : "error");
  const status = e?.status ? `HTTP ${e.status}: ` : "";
  return secretFilter(`[${kind}] ${status}${e?.message ?? String(e)}${HINTS[kind]?.(e) ?? ""}`);
}

/** What to check, where the error's own message cannot say: a browser tells a page nothing
 *  of why a request failed (a server down, a wrong port, https to an http server and a
 *  server that does not allow this page's origin are all "Failed to fetch"). */
const HINTS = {
  network: () => " (the API could not be reached: check the base URL, that the server is up, and that it allows requests "
    + "from this page's origin (CORS); the browser does not say which)",
};

/** Shows `text` in a status element, as an error when `isError`. */
export function say(node, text, isError = false) {
  node.textContent = secretFilter(text);
  node.classList.toggle("error", isError);
}

/** "1 user", "3 users": a count with its noun. */
export const count = (n, noun) => `${n} ${noun}${n === 1 ? "" : "s"}`;

export const badge = (text, kind = text) => el("span", { className: `badge ${kind}` }, text);

/** "3 min 20 s" from milliseconds. */
export function duration(ms) {
  if (ms == null) return "unknown";
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}
