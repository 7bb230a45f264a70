// vomo-users reconcile: ids the customer's poller knows that the API no longer lists.
import { existsSync } from "node:fs";
import { UserPoller } from "vomo-users";
import { customerOptions } from "./poll.mjs";
import { checkStateDir, customerDir, pollerStore } from "../state.mjs";

export default {
  name: "reconcile",
  api: true,
  summary: "ids known to this customer's poller but no longer listed",
  synopsis: "reconcile --customer ID --state-dir DIR",
  help: `
Lists every user and compares with the ids the customer's poller knows (from earlier polls
with the same --customer and --state-dir). Not listed is not proof of deletion: review
these before deleting anything downstream. "complete" is false when the listing did not
finish (then only what was reached is reported). With --json: {"missing":[...],"complete":bool}.`,
  options: { customer: { type: "string" }, "state-dir": { type: "string" } },
  check: (values) => customerOptions(values, "reconcile"),
  async run({ out, options, client, baseUrl }) {
    const { customerId, stateDir } = options;
    const { previousBaseUrl } = await checkStateDir(stateDir, baseUrl, { bind: false }); // reads only: binds nothing
    if (!existsSync(customerDir(stateDir, customerId))) {
      out.err(`note: no poll of customer ${customerId} has run with the state directory ${stateDir}; nothing is known yet`);
    }
    const poller = new UserPoller({ client: await client(), store: pollerStore(stateDir, customerId), customerId, onUser: () => {}, previousBaseUrl });
    const { missing, complete } = await poller.reconcile();
    if (out.json) out.value({ missing, complete });
    else {
      out.line(`${complete ? "complete listing" : "partial listing"}; known but not listed: ${missing.length ? missing.join(", ") : "none"}`);
      if (missing.length) out.line("(not listed is not proof of deletion: review these before deleting anything downstream)");
    }
    return 0;
  },
};
