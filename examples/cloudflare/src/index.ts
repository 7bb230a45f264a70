// The Worker: a cron trigger that fans out to one Durable Object per customer, and the
// operations routes (routes.ts). The polling itself runs in CustomerPoller's alarms.
import { settings, type AppEnv } from "./config";
import { registry } from "./registry";
import { log } from "./log";
import { handle } from "./routes";

export { CustomerPoller } from "./customer-poller";
export { CustomerRegistry } from "./registry";

/** A customer's cron group: FNV-1a of its id, modulo the number of groups. */
export function groupOf(customerId: string, groups: number): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(customerId)) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  return h % groups;
}

/** Objects kicked at once by the cron: keeps the fan-out orderly for many customers. */
const FAN_OUT_BATCH = 50;

export default {
  async scheduled(controller, env): Promise<void> {
    // A setting that cannot work fails every slice until the configuration changes: kick nobody.
    let configError: string | null = null;
    let groups = 1;
    try {
      groups = settings(env).pollGroups;
    } catch (e) {
      configError = (e as Error).message;
    }
    // POLL_GROUPS > 1 spreads the customers over consecutive cron runs, which take turns
    // (registry.ts, cronRoster): with "* * * * *" and 15 groups, each customer is polled every
    // 15 minutes and one run kicks a fifteenth of them. Default 1: every run kicks every customer.
    // The CUSTOMERS var and the registered customers (one RPC for the list); a refused one
    // (a bad id, a token secret two share) is logged, and the others are kicked.
    const { customers: all, refused, group } = await registry(env).cronRoster(groups);
    const ids = configError ? [] : all.filter((id) => groups === 1 || groupOf(id, groups) === group);
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
    log("vomo.cron", { cron: controller.cron, group, groups, kicked: ids.length <= 100 ? ids : undefined, customers: ids.length, scheduled, alreadyRunning: ids.length - scheduled - failed.length, failed, refused, configError });
  },

  async fetch(request, env): Promise<Response> {
    return handle(request, env);
  },
} satisfies ExportedHandler<AppEnv>;
