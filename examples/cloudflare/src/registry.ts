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
   * Registers `customerId` unless roster() would refuse it (its token secret is another
   * customer's): then the reason, and nothing is written. Check and write are one call of
   * this object, so two registrations cannot both pass the check.
   */
  async add(customerId: string): Promise<string | null> {
    const refused = roster(this.env, [...(await this.ids()), customerId]).refused.find((r) => r.customerId === customerId);
    if (refused) return refused.reason;
    await this.ctx.storage.put(`customer/${customerId}`, Date.now());
    return null;
  }
  async remove(customerId: string): Promise<boolean> {
    return this.ctx.storage.delete(`customer/${customerId}`);
  }
  /** The customers polled and those refused: the cron's list, one RPC. */
  async roster(): Promise<Roster> {
    return roster(this.env, await this.ids());
  }
  async standing(customerId: string): Promise<Standing> {
    const { customers, refused } = await this.roster();
    const reason = refused.find((r) => r.customerId === customerId)?.reason ?? null;
    return { known: reason !== null || customers.includes(customerId), refused: reason };
  }
  private async ids(): Promise<string[]> {
    const entries = await this.ctx.storage.list({ prefix: "customer/" });
    return [...entries.keys()].map((k) => k.slice("customer/".length));
  }
}

export const registry = (env: AppEnv) => env.REGISTRY.get(env.REGISTRY.idFromName("registry"));
