// Readable (non --json) renderings of the package's shapes.

// What a terminal would act on rather than show: C0 and C1 controls (an escape sequence can
// clear the screen, move the cursor or hide text; a line break would forge a line of the
// table or the feed), DEL, the line and paragraph separators, and the bidirectional controls
// that reorder what is shown ("Trojan Source"). Anyone who can edit a VOMO profile chooses
// these characters, so every text from the API or a roster passes here before it is printed.
const UNSHOWABLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const UNSHOWABLE_IN_LINES = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]|\r(?!\n)/g;
const escaped = (ch) => {
  const code = ch.codePointAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
};

/** `value` as text a terminal shows as it is: each such character written as `\x1b`, `\u202e`. */
export const shown = (value) => String(value).replace(UNSHOWABLE, escaped);

/** The same for a message of several lines (stderr's): its line breaks (`\n`, `\r\n`) and tabs are kept. */
export const shownLines = (value) => String(value).replace(UNSHOWABLE_IN_LINES, escaped);

/** A VomoError as the CLI's error lines say it: `network error (HTTP 503): GET /v1/users: ...`. The
 *  kind comes first; a message that names it too ("GET /v1/users: network error: fetch failed")
 *  is not made to say it twice. */
export function errorText(e) {
  const status = e.status ? ` (HTTP ${e.status})` : "";
  return `${e.kind} error${status}: ${String(e.message).replace(`: ${e.kind} error: `, ": ")}`;
}

/**
 * Whether `e` is a failure of the state directory's stores rather than of the API: the
 * package names the store call that failed (`store.set("...") failed: ENOSPC ...`, and the
 * import's `mapping.get(...)`), and reports it as kind `network`, its one rule for any store.
 */
export const storeFailed = (e) => /^(store|mapping)\.\w+\(/.test(String(e?.message ?? ""));

/**
 * One HTTP attempt (the client's `log` entry) as `--verbose` prints it:
 * `request: GET /v1/users?page=2: 200 in 12 ms`, `... 429 in 3 ms (attempt 2)`,
 * `... timeout after 15000 ms`. The entry never holds the token or a body; the path (with its
 * query: a filter's text) is shown as a terminal would not act on it.
 */
export function requestLine(e) {
  const outcome = e.status !== null ? `${e.status} in` : `${e.error ?? "no answer"} after`;
  return `request: ${e.method} ${shown(e.path)}: ${outcome} ${Math.round(e.durationMs)} ms${e.attempt > 1 ? ` (attempt ${e.attempt})` : ""}`;
}

/** One line per user: id, last update, name and email. */
export function userRow(user, color) {
  return `${String(user.id).padStart(7)}  ${user.updatedAt}  ${color.bold(shown(user.fullName))} <${shown(user.email)}>`;
}

export const USER_ROW_HEADER = `${"ID".padStart(7)}  ${"UPDATED (UTC)".padEnd(24)}  NAME <EMAIL>`;

const FIELDS = [["id", "id"], ["name", "fullName"], ["email", "email"], ["phone", "phone"], ["address", "address"],
  ["birthday", "birthday"], ["gender", "gender"], ["status", "userStatus"], ["membership", "membershipStatus"],
  ["role", "membershipRole"], ["created", "createdAt"], ["updated", "updatedAt"]];

/** A user (or a UserDetail, with its participations and profile fields) as labelled lines. */
export function userLines(user, color) {
  const lines = FIELDS.map(([label, key]) => `${color.dim(label.padEnd(11))}${shown(user[key] ?? "-")}`);
  if (Array.isArray(user.participations)) {
    const hours = user.participations.reduce((sum, p) => sum + p.hours, 0);
    lines.push(`${color.dim("shifts".padEnd(11))}${user.participations.length} (${Number(hours.toFixed(2))} h)`);
    for (const p of user.participations) {
      lines.push(`  project ${p.projectId ?? "-"} date ${p.projectDateId ?? "-"}: ${p.hours} h, signed up ${p.signedUpAt ?? "-"}`
        + `${p.checkedInAt ? `, checked in ${p.checkedInAt}` : ""}${p.verified ? ", verified" : ""}`);
    }
  }
  for (const f of user.profileFieldValues ?? []) lines.push(`${color.dim(`${shown(f.fieldLabel)}:`)} ${shown(f.value ?? "-")}`);
  return lines;
}

/**
 * Whether an argument may be a token pasted where a command, an argument or a file name
 * belongs (20 or more characters of a token's alphabet, letters and digits, no '/' or '@', no
 * file extension): errors describe it by its length (`namedArg`, `quotedArg`). The output hides
 * the configured token; this one may be another, with none configured.
 */
function tokenLike(text) {
  return /^[\w.~+|=-]{20,}$/.test(text) && /\d/.test(text) && /[A-Za-z]/.test(text) && !/\.[A-Za-z0-9]{1,5}$/.test(text);
}
const unshownArg = (text) => `(${text.length} characters, not shown: it may be a token)`;
/** An argument as an error names it (see `tokenLike`). */
export const namedArg = (arg) => (tokenLike(String(arg)) ? unshownArg(String(arg)) : shown(arg));
/** An argument as an error quotes it (see `tokenLike`). */
export const quotedArg = (arg) => (tokenLike(String(arg)) ? unshownArg(String(arg)) : JSON.stringify(shown(arg)));
