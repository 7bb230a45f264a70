// vomo-users find <email>: the user with exactly this email (case-insensitive); 3 when none.
import { NotFound, UsageError } from "../values.mjs";
import { userLines } from "../format.mjs";
import { interruptible } from "../interrupt.mjs";

export default {
  name: "find",
  api: true,
  summary: "the user with this exact email, case-insensitive (exit 3 when none)",
  synopsis: "find <email>",
  help: `
Finds the user whose email is exactly <email>, ignoring case and surrounding spaces
(a partial match is not enough: use list --email-like for that). With --json: the user as
one line. Exit 3 when there is none.`,
  options: {},
  positionals: [1, 1],
  positionalName: "<email>",
  check(values, positionals) {
    const email = positionals[0].trim();
    if (!email) throw new UsageError("find: the email is empty", "find");
    return { email };
  },
  async run({ out, options, client }) {
    const api = await client();
    const user = await interruptible(out, (signal) => api.findUserByEmail(options.email, { signal }));
    if (user === null) throw new NotFound(`no user with the email ${options.email}`);
    if (out.json) out.value(user);
    else for (const line of userLines(user, out.color)) out.line(line);
    return 0;
  },
};
