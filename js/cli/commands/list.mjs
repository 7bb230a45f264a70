// vomo-users list: every user matching the filters, streamed page by page.
import { isoDate } from "../values.mjs";
import { userRow, USER_ROW_HEADER } from "../format.mjs";
import { interruptible } from "../interrupt.mjs";

/** What a page held beside what its own total says it must, when it held fewer: records the
 *  parser dropped (unreadable) count as held, as the API's total counts them. */
function shortOf({ data, warnings, meta }) {
  const held = data.length + warnings.filter((w) => w.endsWith("(user dropped from the page)")).length;
  const due = Math.min(meta.perPage, Math.max(0, meta.total - (meta.currentPage - 1) * meta.perPage));
  return held < due ? { held, due } : null;
}

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
    // between pages, so one may be missed or listed twice. The totals of the first and the
    // last page say whether that can have happened (as the admin page says it), and so does a
    // last page short of its own total: the server counts the rows before it selects the
    // page's, and a row deleted in between moves one onto the page before (docs/poller.md).
    let first = null;
    let last = null;
    let short = null;
    await interruptible(out, async (signal) => {
      for await (const page of api.listUserPages(options.filters, { signal })) {
        first ??= page.meta.total;
        last = page.meta.total;
        short = shortOf(page);
        for (const user of page.data) {
          if (!out.json && count === 0) out.line(out.color.dim(USER_ROW_HEADER));
          count++;
          if (out.json) out.value(user);
          else out.line(userRow(user, out.color));
        }
      }
    });
    if (!out.json) out.line(`${count} user${count === 1 ? "" : "s"}`);
    const again = "list again (poll delivers every change exactly once)";
    if (first !== last) {
      out.err(`warning: the list changed while it was read (${first} users at its first page, ${last} at its last): `
        + `a user may be missing or listed twice; ${again}`);
    } else if (short) {
      out.err(`warning: the list changed while it was read (its last page held ${short.held} of the ${short.due} users `
        + `its total of ${last} says it must): a user may be missing; ${again}`);
    }
    return 0;
  },
};
