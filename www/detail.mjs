// Detail: one user's fields, participations (hours as numbers, totalHours), profile field
// values and parse warnings, with anonymized accounts marked.
import { totalHours } from "vomo-users";
import { $, el, row, fillDl, errorText, say, badge } from "./ui.mjs";
import { requireClient, work } from "./session.mjs";

/**
 * VOMO anonymizes a deleted account in place: email vomodeleteduser<N>@vomo.org (the same
 * rule the package's poller applies for its `anonymized` flag).
 */
export const isAnonymized = (user) => /^vomodeleteduser\d+@vomo\.org$/i.test(user.email);

function render(d) {
  const title = el("h3", {}, `#${d.id} `, el("bdi", {}, d.fullName), " ", isAnonymized(d) ? badge("anonymized") : null);
  const fields = el("dl");
  fillDl(fields, [["email", d.email], ["phone", d.phone], ["address", d.address], ["birthday", d.birthday],
    ["gender", d.gender], ["status", d.userStatus], ["membership", d.membershipStatus], ["role", d.membershipRole],
    ["created", d.createdAt], ["updated", d.updatedAt]]);
  const parts = el("table", { id: "detail-participations" },
    el("caption", {}, `Participations: ${d.participations.length}, total hours ${totalHours(d.participations)}`),
    el("thead", {}, el("tr", {}, ...["project", "project date", "role", "guests", "signed up", "checked in",
      "checked out", "hours", "verified"].map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, ...d.participations.map((p) => row([p.projectId, p.projectDateId, p.role, p.guests, p.signedUpAt,
      p.checkedInAt, p.checkedOutAt, p.hours, p.verified ? "yes" : "no"]))));
  const profile = el("table", { id: "detail-profile" },
    el("caption", {}, `Profile field values: ${d.profileFieldValues.length}`),
    el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "field id"), el("th", { scope: "col" }, "label"), el("th", { scope: "col" }, "value"))),
    el("tbody", {}, ...d.profileFieldValues.map((f) => row([f.fieldId, f.fieldLabel, f.value]))));
  const warnings = el("ul", { className: "warnings", id: "detail-warnings" }, ...d.warnings.map((w) => el("li", {}, w)));
  // Each table scrolls inside its own box: nine columns are wider than a phone's window.
  const boxed = (table) => el("div", { className: "scroll" }, table);
  return [title, fields, boxed(parts), boxed(profile), d.warnings.length ? el("h4", {}, "Parse warnings") : null, warnings].filter(Boolean);
}

let controller = null;

/**
 * Loads and shows user `id` (also used by the Users table's id buttons). `focus`: the caller's
 * control is elsewhere on the page (a table row), so the keyboard and a screen reader move to
 * the detail's title once it is shown (to the id field when it could not be).
 */
export async function showDetail(id, { focus = false } = {}) {
  const out = $("detail-out");
  const status = $("detail-status");
  $("detail-id").value = String(id);
  $("detail").scrollIntoView();
  controller?.abort();
  const mine = (controller = work());
  // The number looked up, as the messages name it ("1e3" is user 1000).
  const n = Number(id);
  const label = Number.isSafeInteger(n) ? n : id;
  say(status, `loading user ${label}…`);
  out.replaceChildren();
  try {
    // Typed digits go as they are: past 2^53 Number() names another id, and the package's
    // refusal should quote the one typed.
    const d = await requireClient().getUser(typeof id === "string" && /^\s*\d+\s*$/.test(id) ? id.trim() : n, { signal: mine.signal });
    if (mine !== controller) return;
    if (d === null) {
      say(status, `user ${label}: not found (404)`, true);
      if (focus) $("detail-id").focus();
      return;
    }
    const shown = render(d);
    out.replaceChildren(...shown);
    say(status, `user ${label} loaded`);
    if (focus) {
      shown[0].tabIndex = -1; // the title: focusable by script, not a Tab stop
      shown[0].focus();
    }
  } catch (e) {
    if (mine !== controller) return;
    say(status, `user ${label}: ${errorText(e)}`, true);
    if (focus) $("detail-id").focus();
  }
}

export function setupDetail() {
  // A value the field refuses (0, -1, 1.5, empty) submits nothing: the status line says why,
  // instead of keeping the last user's text (the browser's bubble is gone in a moment).
  $("detail-id").addEventListener("invalid", () => {
    controller?.abort();
    $("detail-out").replaceChildren();
    say($("detail-status"), `user id: ${$("detail-id").validationMessage}`, true);
  });
  $("detail-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    showDetail($("detail-id").value);
  });
}
