// Changes: UserPoller on a LocalStorageStore (the checkpoint and known ids survive a reload),
// a live feed of created/updated/participation events and dead letters, the last poll's
// metrics, health(), and reconcile() listing ids that are no longer visible, for review:
// not visible is not proof of deletion, so nothing here deletes anything.
import { UserPoller } from "vomo-users";
import { LocalStorageStore } from "vomo-users/stores";
import { $, el, fillDl, errorText, say, badge, duration } from "./ui.mjs";
import { onClient, requireClient, currentClient, apiScope, work } from "./session.mjs";
import { inOneTab, ANOTHER_TAB } from "./one-tab.mjs";
import { storageFull, fullStorageAdvice } from "./saved-imports.mjs";

const PREFIX = "vomo-admin:poll:";
/** This API's saved poll state (see apiScope). */
const prefix = () => `${PREFIX}${apiScope()}|`;
const FEED_MAX = 500;
let feedTotal = 0;

function feed(kind, ...text) {
  const list = $("poll-feed");
  const time = new Date().toISOString().slice(11, 19);
  // Each piece in its own <bdi>: a name with a right-to-left override (U+202E) cannot
  // reorder the rest of the line ("Alice \u202Egro.evil@nimda" shown as another email).
  const pieces = text.map((t) => (typeof t === "string" ? el("bdi", {}, t) : t));
  list.prepend(el("li", { className: `event ${kind.replace(/ /g, "-")}` }, `${time} `, badge(kind, kind.split(" ")[0]), " ", ...pieces));
  while (list.childElementCount > FEED_MAX) list.lastElementChild.remove();
  feedTotal += 1;
  $("feed-count").textContent = `(${feedTotal} events${feedTotal > FEED_MAX ? `, newest ${FEED_MAX} shown` : ""})`;
}

const partText = (p) => `project ${p.projectId ?? "?"} date ${p.projectDateId ?? "?"}, ${p.hours} h${p.verified ? ", verified" : ""}`;

function makePoller() {
  const form = $("poll-form");
  return new UserPoller({
    client: requireClient(),
    store: new LocalStorageStore(localStorage, prefix()),
    customerId: form.customerId.value.trim(),
    participations: form.participations.value,
    // The name and the email each a piece of their own (feed: each string in its own <bdi>).
    onUser: ({ kind, user, anonymized }) =>
      feed(kind, `user #${user.id} `, user.fullName, " <", user.email, `> updated ${user.updatedAt}`, anonymized ? " " : null,
        anonymized ? badge("anonymized") : null),
    onParticipation: ({ kind, userId, participation, before }) =>
      feed(`participation ${kind}`, `user #${userId}: ${partText(participation)}${before ? ` (was ${partText(before)})` : ""}`),
    onDeadLetter: ({ user, error, attempt, final }) =>
      feed("dead letter", `user #${user?.id ?? "?"} attempt ${attempt}${final ? " (given up)" : ""}: ${errorText(error)}`),
  });
}

/** The health of `customerId`'s saved state, named: the panel says whose it is. */
function showHealth(h, customerId) {
  if (h.checkpoint === null) {
    fillDl($("poll-health"), [["customer", customerId], ["state", "never polled (the first poll is the initial sync)"]]);
    return;
  }
  fillDl($("poll-health"), [["customer", customerId], ["stalled", h.stalled ? "yes" : "no"], ["lag", h.lagMs === null ? "null" : duration(h.lagMs)],
    ["checkpoint", h.checkpoint]]);
}

/** Health of the customer in the field now (the saved state only: nothing is sent). */
let healthShown = 0;
async function refreshHealth() {
  const mine = ++healthShown; // typing fast: only the latest field value's health is shown
  const customerId = $("poll-form").customerId.value.trim();
  if (!currentClient()) return;
  if (customerId === "") {
    fillDl($("poll-health"), [["customer", "none: enter a customer id"]]);
    return;
  }
  try {
    const h = await makePoller().loadHealth();
    if (mine === healthShown) showHealth(h, customerId);
  } catch (e) {
    if (mine === healthShown) fillDl($("poll-health"), [["customer", customerId], ["state", errorText(e)]]);
  }
}

export function setupChanges() {
  const form = $("poll-form");
  const status = $("poll-status");
  const cancel = $("poll-cancel");
  let controller = null;

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const mine = (controller = work());
    cancel.disabled = false;
    $("poll-run").disabled = true;
    $("poll-forget").disabled = true; // not beneath a running poll, which would write it back
    say(status, "polling…");
    try {
      const poller = makePoller();
      const r = await inOneTab(`${prefix()}${form.customerId.value.trim()}`, () => poller.poll({ signal: mine.signal }));
      if (r === ANOTHER_TAB) {
        say(status, `another tab of this page is polling customer "${form.customerId.value.trim()}": poll again when it has finished`, true);
        return;
      }
      fillDl($("poll-metrics"), [["processed", r.processed], ["created", r.created], ["updated", r.updated],
        ["failed", r.failed], ["participation events", r.participationEvents], ["requests", r.requests],
        ["checkpoint", r.checkpoint ?? "none yet"], ["duration", `${Math.round(r.durationMs)} ms`], ["lag", r.lagMs === null ? "none yet" : duration(r.lagMs)],
        ["complete", r.complete ? "yes" : "no (the next poll goes on)"]]);
      await refreshHealth();
      // A poll reads up to a few seconds before the server's clock (windowMarginMs: rows that
      // recent may still move); an admin who edited a user just before saw "0 changes" and
      // took the edit for lost (an outside pass). Said where the poll read to.
      const upTo = r.complete && r.checkpoint ? `; read up to ${r.checkpoint}: a change made after that (in the last seconds before this poll) comes with the next poll` : "";
      say(status, `poll done: ${r.processed} changes (${r.created} created, ${r.updated} updated, ${r.failed} failed)${upTo}`);
    } catch (e) {
      say(status, `poll stopped: ${storageFull(e) ? await fullStorageAdvice("Poll now goes on from the last saved checkpoint") : errorText(e)}`,
        e?.kind !== "aborted");
    } finally {
      controller = null;
      cancel.disabled = true;
      $("poll-run").disabled = !currentClient();
      $("poll-forget").disabled = !currentClient();
    }
  });
  cancel.addEventListener("click", () => controller?.abort());
  // A tab that goes away mid-poll (reload, close, navigation) stops its poll, which then gives
  // the customer's lease back, as an import does (import.mjs): a poll cut off with its page
  // would hold it for 2 minutes, refusing Poll now and Forget in the next page.
  window.addEventListener("pagehide", () => { controller?.abort(); reconciling?.abort(); });

  // One reconcile at a time, with its progress and its own Cancel (a listing of every user
  // takes minutes on a large organization). It reads the saved state only and holds no
  // lease, so it may run beside a poll.
  const reconcileButton = $("poll-reconcile");
  const reconcileCancel = $("reconcile-cancel");
  let reconciling = null;
  reconcileButton.addEventListener("click", async () => {
    const out = $("reconcile-status");
    const list = $("reconcile-missing");
    const mine = (reconciling = work());
    reconcileButton.disabled = true;
    reconcileCancel.disabled = false;
    say(out, "listing every visible user…");
    list.replaceChildren();
    const onProgress = ({ phase, done, total }) => say(out, phase === "listing"
      ? `listing every visible user… ${done} of ${total}` : `confirming not-visible users with their detail… ${done} of ${total}`);
    try {
      const { missing, complete, error } = await makePoller().reconcile({ signal: mine.signal, onProgress });
      list.replaceChildren(...missing.map((id) => el("li", {}, `user #${id}: known, not visible now`)));
      const found = `${missing.length} known id${missing.length === 1 ? "" : "s"} not visible`;
      // Not complete: the result says why (a request that failed after its retries), and the
      // ids are only those confirmed before it; shown as an error, as a poll that stopped is.
      if (complete) say(out, `${found}. Review them in VOMO: a user can be hidden without being deleted.`);
      else say(out, `reconcile stopped: ${error ? errorText(error) : "the listing did not finish"}. ${found} among those reached: run it again to check them all.`, true);
    } catch (e) {
      say(out, e?.kind === "aborted" ? "reconcile cancelled: nothing was changed" : errorText(e), e?.kind !== "aborted");
    } finally {
      reconciling = null;
      reconcileCancel.disabled = true;
      reconcileButton.disabled = !currentClient();
    }
  });
  reconcileCancel.addEventListener("click", () => reconciling?.abort());

  // Forgets the customer's state under the poll's own Web Lock: a poll of it in another tab
  // would otherwise write part of it back (its next checkpoint over a forgotten journal).
  $("poll-forget").addEventListener("click", async () => {
    const customerId = form.customerId.value.trim();
    let forgot;
    try {
      forgot = await inOneTab(`${prefix()}${customerId}`, () =>
        UserPoller.forget({ store: new LocalStorageStore(localStorage, prefix()), customerId }));
    } catch (e) {
      say(status, `forget: ${errorText(e)}`, true);
      return;
    }
    if (forgot === ANOTHER_TAB) {
      say(status, `another tab of this page is polling customer "${customerId}": forget its state when that poll has finished`, true);
      return;
    }
    fillDl($("poll-health"), []);
    fillDl($("poll-metrics"), []); // the last poll's, of the state just forgotten
    say(status, forgot ? `saved poll state of customer "${customerId}" forgotten: its next poll is an initial sync`
      : `no saved poll state of customer "${customerId}": its next poll is an initial sync`);
  });

  // The panel follows the field: another customer's checkpoint must not stand beside this one's id.
  onClient(refreshHealth);
  form.customerId.addEventListener("input", refreshHealth);
}
