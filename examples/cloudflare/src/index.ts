// The Worker: a cron trigger that fans out to one Durable Object per customer, and the
// operations routes (routes.ts). The polling itself runs in CustomerPoller's alarms.
import { customers, type AppEnv } from "./config";
import { log } from "./log";
import { handle } from "./routes";

export { CustomerPoller } from "./customer-poller";

/** Objects kicked at once by the cron: keeps the fan-out orderly for many customers. */
const FAN_OUT_BATCH = 50;

export default {
  async scheduled(controller, env, ctx): Promise<void> {
    const ids = customers(env);
    let scheduled = 0;
    const failed: { customerId: string; error: string }[] = [];
    for (let i = 0; i < ids.length; i += FAN_OUT_BATCH) {
      const batch = ids.slice(i, i + FAN_OUT_BATCH);
      const results = await Promise.allSettled(batch.map((id) => env.POLLER.get(env.POLLER.idFromName(id)).kick(id)));
      results.forEach((r, j) => {
        if (r.status === "fulfilled") scheduled += r.value.scheduled ? 1 : 0;
        else failed.push({ customerId: batch[j], error: String(r.reason?.message ?? r.reason) });
      });
    }
    log("vomo.cron", { cron: controller.cron, customers: ids.length, scheduled, alreadyRunning: ids.length - scheduled - failed.length, failed });
  },

  async fetch(request, env): Promise<Response> {
    return handle(request, env);
  },
} satisfies ExportedHandler<AppEnv>;
