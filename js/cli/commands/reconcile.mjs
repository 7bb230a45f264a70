// vomo-users reconcile: ids the customer's poller knows that the API no longer lists.
import { existsSync } from "node:fs";
import { UserPoller } from "vomo-users";
import { customerOptions } from "./poll.mjs";
import { checkStateDir, customerDir, pollerStore } from "../state.mjs";
import { UsageError } from "../values.mjs";
import { interruptSignal } from "../interrupt.mjs";
import { Progress } from "../progress.mjs";
import { errorText } from "../format.mjs";

export default {
  name: "reconcile",
  api: true,
  summary: "ids known to this customer's poller but no longer listed",
  synopsis: "reconcile --customer ID --state-dir DIR",
  help: `
Lists every user and compares with the ids the customer's poller knows (from earlier polls
with the same --customer and --state-dir). Not listed is not proof of deletion: review
these before deleting anything downstream. "complete" is false when the listing did not
finish (then only what was reached is reported); when a request failed, "error" says why
and the exit code is 1. With no poll of the customer yet nothing is known, and nothing is
sent. Progress goes to stderr: the users listed, then the candidates confirmed one by one
with their detail. Ctrl-C stops it (nothing is written either way). With --json:
{"missing":[...],"complete":bool,"error":null|{"kind","status","message"}}.`,
  options: { customer: { type: "string" }, "state-dir": { type: "string" } },
  check: (values) => customerOptions(values, "reconcile"),
  async run({ out, options, client, baseUrl }) {
    const { customerId, stateDir } = options;
    // A directory no poll ever made is a mistyped path far more often than a new customer.
    if (!existsSync(stateDir)) {
      throw new UsageError(`reconcile: --state-dir ${stateDir} does not exist (a poll makes it: poll --customer ${customerId} --state-dir ${stateDir})`, "reconcile");
    }
    const { previousBaseUrl } = await checkStateDir(stateDir, baseUrl, { bind: false }); // reads only: binds nothing
    const report = ({ missing, complete, error }) => {
      if (out.json) out.value({ missing, complete, error: error && { kind: error.kind, status: error.status, message: error.message } });
      else {
        out.line(`${complete ? "complete listing" : "partial listing"}; known but not listed: ${missing.length ? missing.join(", ") : "none"}`);
        if (missing.length) out.line("(not listed is not proof of deletion: review these before deleting anything downstream)");
      }
    };
    if (!existsSync(customerDir(stateDir, customerId))) {
      // Nothing known, so nothing can be missing: no listing of the whole API to find that out.
      out.err(`note: no poll of customer ${customerId} has run with the state directory ${stateDir}; nothing is known yet`);
      if (out.json) report({ missing: [], complete: true, error: null });
      else out.line(`nothing known of customer ${customerId} yet (no poll of it in ${stateDir}), so nothing can be missing; nothing was listed`);
      return 0;
    }
    const poller = new UserPoller({ client: await client(), store: pollerStore(stateDir, customerId), customerId, onUser: () => {}, previousBaseUrl });
    const stop = interruptSignal(out, null);
    const progress = new Progress(out, { counts: (p) => (p.phase === "listing" ? "users listed" : "unlisted ids confirmed") });
    let last = null;
    const onProgress = (p) => {
      // A new phase, or the listing started again (its total changed): a new bar.
      if (p.phase !== last?.phase || p.done < last.done) progress.end();
      last = p;
      progress.update(p);
    };
    let result;
    try {
      result = await poller.reconcile({ signal: stop.signal, onProgress });
    } finally {
      progress.end();
      stop.dispose();
    }
    report(result);
    if (result.error) {
      out.err(`vomo-users: reconcile did not finish: ${errorText(result.error)}`);
      return 1;
    }
    return 0;
  },
};
