// Users: the six filters, a table streamed page by page through client.listUserPages (an
// async iterator), a running count, Cancel (AbortSignal), and each row's parse warnings.
import { $, el, cell, errorText, say, count as counted } from "./ui.mjs";
import { requireClient, work } from "./session.mjs";
import { showDetail } from "./detail.mjs";

const DATE_FILTERS = ["updatedAfter", "updatedBefore", "createdAfter", "createdBefore"];

/** Rows the table shows at most: a table of thousands re-lays itself out on every page (a
 *  listing of 5,000 users took 31 s in Chromium against 2.5 s without the table); the count
 *  goes on past it. The Import screen caps its tables the same way. */
export const TABLE_MAX = 1000;

/** The form's filters: datetime-local values (local time) to ISO instants; empty ones left out.
 *  Throws `invalid_input` naming the filter for a time no ISO instant has (year 275760). */
export function readFilters(form) {
  const filters = {};
  for (const name of DATE_FILTERS) {
    const v = form.elements[name].value;
    if (!v) continue;
    const at = new Date(v);
    const label = form.elements[name].labels?.[0]?.textContent ?? name;
    if (Number.isNaN(at.getTime())) {
      throw Object.assign(new Error(`${label}: ${v} is not a time the API can be asked about`), { kind: "invalid_input" });
    }
    // A local time the clocks skip (the hour daylight saving time begins) has no instant:
    // Date moves it on by the gap, and an hour later than asked would be sent.
    if (localMinute(at) !== v.slice(0, v.indexOf("T") + 6)) {
      throw Object.assign(new Error(`${label}: ${v} does not exist in this time zone (the clocks skip it when daylight saving time begins)`), { kind: "invalid_input" });
    }
    filters[name] = at.toISOString();
  }
  for (const name of ["nameLike", "emailLike"]) {
    const v = form.elements[name].value.trim();
    if (v) filters[name] = v;
  }
  return filters;
}

/**
 * The server's own word on each refused filter (a 422's `fields`: `created_after` -> "The
 * created after is not a valid date."), named by the filter's label: the message alone says
 * only "The given data was invalid."
 */
function fieldText(e, form) {
  const entries = Object.entries(e?.fields ?? {});
  if (!entries.length) return "";
  const label = (field) => {
    const name = field.replace(/_(\w)/g, (_, c) => c.toUpperCase()); // created_after -> createdAfter
    return form.elements[name]?.labels?.[0]?.textContent ?? field;
  };
  return ` (${entries.map(([field, messages]) => `${label(field)}: ${[].concat(messages).join(" ")}`).join("; ")})`;
}

/** `at` in local time as a datetime-local input writes it, to the minute: `2025-09-28T03:30`. */
function localMinute(at) {
  const two = (n) => String(n).padStart(2, "0");
  return `${String(at.getFullYear()).padStart(4, "0")}-${two(at.getMonth() + 1)}-${two(at.getDate())}T${two(at.getHours())}:${two(at.getMinutes())}`;
}

/**
 * Splits a page's warnings into per-row lists and page-level ones. Warnings name the raw
 * record ("data[3].user_status: ..."); a dropped record shifts the rows after it.
 */
export function warningsByRow(page) {
  const at = (w) => { const m = /^data\[(\d+)\]/.exec(w); return m ? Number(m[1]) : null; };
  const dropped = page.warnings.filter(isDropped).map(at).filter((i) => i !== null);
  const rows = page.data.map(() => []);
  const pageLevel = [];
  for (const w of page.warnings) {
    const raw = at(w);
    const index = raw === null || dropped.includes(raw) ? null : raw - dropped.filter((d) => d < raw).length;
    if (index !== null && rows[index]) rows[index].push(w.replace(/^data\[\d+\]\.?/, "")); else pageLevel.push(w);
  }
  return { rows, pageLevel };
}

function userRow(user, warnings) {
  const open = el("button", { type: "button", className: "link", title: `Show the detail of user ${user.id}` }, String(user.id));
  open.addEventListener("click", () => showDetail(user.id, { focus: true }));
  const warn = warnings.length ? el("td", { className: "warn" }, warnings.join("; ")) : el("td", {}, "");
  return el("tr", { dataset: { id: user.id } }, el("td", {}, open), cell(user.fullName), cell(user.email), cell(user.userStatus),
    cell(user.membershipStatus), cell(user.membershipRole), cell(user.createdAt), cell(user.updatedAt), warn);
}

/** A warning of a record the parser could not read as a user: it is not in `page.data`. */
const isDropped = (w) => w.endsWith("(user dropped from the page)");
/** The records the listing left out, which the API's total counts: the table has fewer rows. */
const droppedText = (n) => (n ? `; ${n} unreadable record${n === 1 ? "" : "s"} left out (not in the table: see the page warnings below)` : "");

const shown = (n) => (n > TABLE_MAX ? `; the table shows the first ${TABLE_MAX}: narrow the filters to see the others` : "");

export function setupUsers() {
  const form = $("users-form");
  const cancel = $("users-cancel");
  const count = $("users-count");
  const body = $("users-table").tBodies[0];
  const pageWarnings = $("users-page-warnings");
  let controller = null;

  cancel.addEventListener("click", () => controller?.abort());
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    controller?.abort();
    const mine = (controller = work());
    body.replaceChildren();
    pageWarnings.replaceChildren();
    let n = 0;
    let dropped = 0;
    let pages = 0;
    let total = null;
    let pageNotes = 0;
    cancel.disabled = false;
    say(count, "listing…");
    try {
      const client = requireClient();
      for await (const page of client.listUserPages(readFilters(form), { signal: mine.signal })) {
        if (controller !== mine) return; // a newer listing owns the table now
        pages += 1;
        total ??= page.meta.total;
        const { rows, pageLevel } = warningsByRow(page);
        const room = Math.max(0, TABLE_MAX - body.rows.length);
        body.append(...page.data.slice(0, room).map((u, i) => userRow(u, rows[i])));
        pageWarnings.append(...pageLevel.map((w) => el("li", {}, `page ${page.meta.currentPage}: ${w}`)));
        pageNotes += pageLevel.filter((w) => !isDropped(w)).length; // the dropped ones have their own count
        n += page.data.length;
        dropped += page.warnings.filter(isDropped).length;
        say(count, `${n} of ${counted(total, "user")} (page ${pages})…${shown(n)}${droppedText(dropped)}`);
      }
      // Users created or deleted while the pages were read shift the rows behind them from one
      // page to the next: the client warns on the page that shows it, among the page warnings
      // below, which the status line points to.
      const notes = pageNotes ? `; ${counted(pageNotes, "page warning")} below` : "";
      say(count, `${counted(n, "user")} listed (${counted(pages, "page")})${shown(n)}${droppedText(dropped)}${notes}`, notes !== "");
    } catch (e) {
      // A listing replaced by a newer one says nothing: the status line is the newer one's.
      if (controller === mine) say(count, `${counted(n, "user")} listed${shown(n)}${droppedText(dropped)}, then stopped: ${errorText(e)}${fieldText(e, form)}`, e?.kind !== "aborted");
    } finally {
      if (controller === mine) { cancel.disabled = true; controller = null; }
    }
  });
}
