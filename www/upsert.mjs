// Upsert and find: the form goes through client.upsertUser, which checks it by the package's
// own rules before sending (invalid_input) and turns a 422 into `validation`; both carry
// `fields`, shown next to their inputs. Find uses findUserByEmail (exact, case-insensitive).
import { $, el, errorText, say, badge } from "./ui.mjs";
import { requireClient, currentClient, work } from "./session.mjs";

const FIELDS = { firstName: "first_name", lastName: "last_name", email: "email", phone: "phone", birthday: "birthday",
  gender: "gender", role: "role", address: "address", org: "org", inviteCode: "invite_code", password: "password" };

function clearFieldErrors(form) {
  for (const wire of Object.values(FIELDS)) {
    $(`e-${wire}`).textContent = "";
    $(`u-${wire}`).removeAttribute("aria-invalid");
  }
}

/** Puts each `{ field: [messages] }` next to its input; returns the fields with no input. */
function showFieldErrors(fields) {
  const other = [];
  for (const [field, messages] of Object.entries(fields ?? {})) {
    const slot = $(`e-${field}`);
    if (!slot) { other.push(`${field}: ${messages.join(" ")}`); continue; }
    slot.textContent = messages.join(" ");
    $(`u-${field}`).setAttribute("aria-invalid", "true");
  }
  return other;
}

/** What a failed upsert means for the user: refused before sending, refused by the server, or
 *  unknown (no answer: the request may have been saved). */
function outcomeOf(e) {
  if (e?.kind === "invalid_input") return "not sent";
  const unknown = "the server may have saved it: Find by email tells";
  // A 5xx is a failure of the server's, not a refusal: it may have saved the user first.
  if (e?.status >= 500) return `the server failed (${unknown})`;
  if (e?.status) return "rejected by the server";
  return e?.kind === "aborted" ? `stopped before an answer (${unknown})` : `no answer from the server (${unknown})`;
}

export function setupUpsert() {
  const form = $("upsert-form");
  const result = $("upsert-result");
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clearFieldErrors(form);
    const input = {};
    for (const [name, wire] of Object.entries(FIELDS)) input[name] = $(`u-${wire}`).value;
    // One at a time: a second click while the first is sent would send the user again and
    // report the one just created as "updated".
    const submit = ev.submitter ?? form.querySelector("button[type=submit]");
    submit.disabled = true;
    // Cancel: a server that does not answer holds the form for the client's timeout (and its
    // retries) otherwise.
    const mine = work();
    const cancel = $("upsert-cancel");
    cancel.disabled = false;
    cancel.onclick = () => mine.abort(new DOMException("cancelled (Cancel)", "AbortError"));
    say(result, "sending…");
    try {
      const { user, created, uncertain } = await requireClient().upsertUser(input, { signal: mine.signal });
      // Name and email each in a <bdi> (as the Changes feed has them): a right-to-left
      // override in a name cannot reorder the rest of the line.
      result.replaceChildren(badge(created ? "created" : "updated"),
        ` user #${user.id} `, el("bdi", {}, user.fullName), " <", el("bdi", {}, user.email), ">",
        uncertain ? " (uncertain: an earlier attempt may have reached the server, so this may be our own create)" : "");
      result.classList.remove("error");
      $("u-password").value = "";
    } catch (e) {
      const other = showFieldErrors(e?.fields);
      say(result, `${outcomeOf(e)}: ${errorText(e)}${other.length ? ` (${other.join("; ")})` : ""}`, true);
      const first = Object.values(FIELDS).filter((f) => e?.fields?.[f]).map((f) => $(`u-${f}`))[0];   // in form order
      first?.focus();
    } finally {
      submit.disabled = !currentClient();
      cancel.disabled = true;
      cancel.onclick = null;
    }
  });

  const find = $("find-form");
  const found = $("find-result");
  find.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const email = $("find-email").value;
    say(found, "looking up…");
    try {
      const user = await requireClient().findUserByEmail(email, { signal: work().signal });
      if (user) {
        found.replaceChildren(`found user #${user.id} `, el("bdi", {}, user.fullName), " <", el("bdi", {}, user.email), `>, updated ${user.updatedAt}`);
        found.classList.remove("error");
      } else {
        say(found, `no user has exactly this email (ignoring case); partial matches do not count`);
      }
    } catch (e) {
      say(found, errorText(e), true);
    }
  });
}
