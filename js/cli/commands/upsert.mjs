// vomo-users upsert: create or update the user with this email (VOMO's email-keyed upsert).
import { UsageError } from "../values.mjs";
import { userLines } from "../format.mjs";
import { interruptible } from "../interrupt.mjs";

const FIELDS = { "first-name": "firstName", "last-name": "lastName", email: "email", phone: "phone",
  birthday: "birthday", gender: "gender", role: "role", address: "address", org: "org", "invite-code": "inviteCode" };
const REQUIRED = ["first-name", "last-name", "email"];

export default {
  name: "upsert",
  api: true,
  summary: "create or update the user with this email",
  synopsis: "upsert --first-name A --last-name B --email E [--phone P] [--birthday YYYY-MM-DD] [--gender M|F|N] [--role R] [--address S] [--org SLUG] [--invite-code C]",
  help: `
Creates the user, or updates the one that has this email (compared case-insensitively).
Only the fields given are sent. --role is VOLUNTEER, ORGANIZER or ADMIN. With --json prints
{"user":{...},"created":true|false,"uncertain":true|false}; "uncertain" is true when an
earlier attempt of this call may have reached the server (then created:false may follow our
own lost create).`,
  options: Object.fromEntries(Object.keys(FIELDS).map((f) => [f, { type: "string" }])),
  check(values) {
    const missing = REQUIRED.filter((f) => values[f] === undefined || values[f].trim() === "");
    if (missing.length) throw new UsageError(`upsert: missing ${missing.map((f) => `--${f}`).join(", ")}`, "upsert");
    const input = {};
    for (const [flag, key] of Object.entries(FIELDS)) if (values[flag] !== undefined && values[flag] !== "") input[key] = values[flag];
    // An empty value is not sent (the upsert leaves a field it is not given as VOMO has it):
    // said, so that `--phone ""` is not taken for clearing the phone.
    const empty = Object.keys(FIELDS).filter((flag) => values[flag] === "");
    return { input, empty };
  },
  async run({ out, options, client }) {
    for (const flag of options.empty) out.err(`note: --${flag} is empty and is not sent: VOMO keeps the value it has`);
    const api = await client();
    const result = await interruptible(out, (signal) => api.upsertUser(options.input, { signal })).catch((e) => {
      // Cut off after the request left, it may have been applied: said, with how to find out.
      if (e?.kind === "aborted") {
        e.cliHint = `vomo-users: note: the upsert may have reached VOMO before it was interrupted; vomo-users find ${options.input.email} shows whether it did`;
      }
      throw e;
    });
    if (out.json) {
      out.value(result);
    } else {
      out.line(`${result.created ? out.color.green("created") : out.color.cyan("updated")} user ${result.user.id}`);
      for (const line of userLines(result.user, out.color)) out.line(line);
      if (result.uncertain) out.err("note: an earlier attempt may have reached the server, so \"updated\" may be our own create");
    }
    return 0;
  },
};
