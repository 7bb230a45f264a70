// vomo-users user <id>: one user's detail (participations, profile fields); 3 when absent.
import { NotFound, userId } from "../values.mjs";
import { userLines } from "../format.mjs";
import { interruptible } from "../interrupt.mjs";

export default {
  name: "user",
  api: true,
  summary: "one user's detail by id (exit 3 when not found)",
  synopsis: "user <id>",
  help: `
Prints the user's detail: the user fields, participations (shifts, hours) and profile field
values. With --json: the detail as one line. Exit 3 when there is no such user.`,
  options: {},
  positionals: [1, 1],
  positionalName: "<id>",
  check(values, positionals) {
    return { id: userId(positionals[0], "user") };
  },
  async run({ out, options, client }) {
    const api = await client();
    const detail = await interruptible(out, (signal) => api.getUser(options.id, { signal }));
    if (detail === null) throw new NotFound(`user ${options.id}`);
    if (out.json) out.value(detail);
    else for (const line of userLines(detail, out.color)) out.line(line);
    return 0;
  },
};
