// vomo-users list: every user matching the filters, streamed page by page.
import { isoDate } from "../values.mjs";
import { userRow, USER_ROW_HEADER } from "../format.mjs";
import { interruptible } from "../interrupt.mjs";

const DATES = ["updated-after", "updated-before", "created-after", "created-before"];
const camel = (flag) => flag.replace(/-(\w)/g, (_, c) => c.toUpperCase());

export default {
  name: "list",
  api: true,
  summary: "list users (every page), optionally filtered",
  synopsis: "list [--updated-after ISO] [--updated-before ISO] [--created-after ISO] [--created-before ISO] [--name-like S] [--email-like S]",
  help: `
Lists users, following the pages. Date bounds are inclusive ISO-8601 dates or timestamps
(2025-01-31, 2025-01-31T09:00:00Z). --name-like matches first or last name, --email-like a
part of the email, both case-insensitively. With --json: one user per line.`,
  options: Object.fromEntries([...DATES, "name-like", "email-like"].map((f) => [f, { type: "string" }])),
  check(values) {
    const filters = {};
    for (const flag of DATES) if (values[flag] !== undefined) filters[camel(flag)] = isoDate(flag, values[flag]);
    for (const flag of ["name-like", "email-like"]) if (values[flag] !== undefined) filters[camel(flag)] = values[flag];
    return { filters };
  },
  async run({ out, options, client }) {
    const api = await client();
    let count = 0;
    // Offset pages: a user created or deleted while they are read shifts the rows behind it
    // between pages, so one may be missed or listed twice. The client warns on the page that
    // shows it (a total or a page size other than the page before's, a page short of its own
    // total; docs/client.md), and run.mjs prints its warnings at the end.
    await interruptible(out, async (signal) => {
      for await (const page of api.listUserPages(options.filters, { signal })) {
        for (const user of page.data) {
          if (!out.json && count === 0) out.line(out.color.dim(USER_ROW_HEADER));
          count++;
          if (out.json) out.value(user);
          else out.line(userRow(user, out.color));
        }
      }
    });
    if (!out.json) out.line(`${count} user${count === 1 ? "" : "s"}`);
    return 0;
  },
};
