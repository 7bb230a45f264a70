// Customers registered at run time, for deployments larger than vars and secrets can hold (a
// Worker has at most 128 environment variables, 5 KB each). One Durable Object, "registry",
// lists the registered ids; each customer's token lives in its own CustomerPoller's
// storage, encrypted (vault.ts). PUT /customers/:id registers, DELETE removes (routes.ts).
// The registry also answers which customers are polled: config.ts's roster() over the
// CUSTOMERS var and the registered ids, computed here, next to the ids.
import { DurableObject } from "cloudflare:workers";
import { roster, type AppEnv, type Roster } from "./config";

export interface Standing {
  /** In the CUSTOMERS var or registered. */
  known: boolean;
  /** Why it is not polled (roster()), or null. */
  refused: string | null;
}

export class CustomerRegistry extends DurableObject<AppEnv> {
  /**
   * The registered ids, read from storage once per instance: this object is the only writer
   * (add, remove) and runs one call at a time, so the copy stays true. Listing storage on each
   * call read a row per registered customer for every slice's `standing` (10,000 customers
   * polled every 15 minutes: about 290 billion rows a month).
   */
  #ids: Set<string> | null = null;

  /**
   * Registers `customerId` unless roster() would refuse it (its token secret is another
   * customer's): then the reason, and nothing is written. Check and write are one call of
   * this object, so two registrations cannot both pass the check.
   */
  async add(customerId: string): Promise<string | null> {
    const refused = roster(this.env, [...(await this.ids()), customerId]).refused.find((r) => r.customerId === customerId);
    if (refused) return refused.reason;
    await this.ctx.storage.put(`customer/${customerId}`, Date.now());
    (await this.idSet()).add(customerId);
    return null;
  }
  async registered(customerId: string): Promise<boolean> {
    return (await this.idSet()).has(customerId);
  }
  async remove(customerId: string): Promise<boolean> {
    const removed = await this.ctx.storage.delete(`customer/${customerId}`);
    (await this.idSet()).delete(customerId);
    return removed;
  }
  /** The customers polled and those refused. */
  async roster(): Promise<Roster> {
    return roster(this.env, await this.ids());
  }
  /**
   * The cron's list, one RPC: the roster and the group whose turn this run is. Runs take
   * turns by a counter kept here, not by the clock: with a cron every 15 minutes, the minute
   * (always a multiple of 15) would give every run the same group of 3, 5 or 15.
   */
  async cronRoster(groups: number): Promise<Roster & { group: number }> {
    const turn = (await this.ctx.storage.get<number>("cron/turn")) ?? 0;
    if (groups > 1) await this.ctx.storage.put("cron/turn", turn + 1);
    return { ...(await this.roster()), group: turn % groups };
  }
  async standing(customerId: string): Promise<Standing> {
    const { customers, refused } = await this.roster();
    const reason = refused.find((r) => r.customerId === customerId)?.reason ?? null;
    return { known: reason !== null || customers.includes(customerId), refused: reason };
  }
  /** Sorted, as storage lists them. */
  private async ids(): Promise<string[]> {
    return [...(await this.idSet())].sort();
  }
  private async idSet(): Promise<Set<string>> {
    if (this.#ids === null) {
      const entries = await this.ctx.storage.list({ prefix: "customer/" });
      // Another call may have filled it while this one listed: the first to finish wins (both read the same).
      this.#ids ??= new Set([...entries.keys()].map((k) => k.slice("customer/".length)));
    }
    return this.#ids;
  }
}

export const registry = (env: AppEnv) => env.REGISTRY.get(env.REGISTRY.idFromName("registry"));
