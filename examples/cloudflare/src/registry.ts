// Customers registered at run time, for deployments larger than vars and secrets can hold (a
// Worker has at most 128 environment variables, 5 KB each). One Durable Object, "registry",
// lists the registered ids; each customer's token lives in its own CustomerPoller's
// storage, encrypted (vault.ts). PUT /customers/:id registers, DELETE removes (routes.ts).
import { DurableObject } from "cloudflare:workers";
import type { AppEnv } from "./config";

export class CustomerRegistry extends DurableObject<AppEnv> {
  async add(customerId: string): Promise<void> {
    await this.ctx.storage.put(`customer/${customerId}`, Date.now());
  }
  async remove(customerId: string): Promise<boolean> {
    return this.ctx.storage.delete(`customer/${customerId}`);
  }
  async has(customerId: string): Promise<boolean> {
    return (await this.ctx.storage.get(`customer/${customerId}`)) !== undefined;
  }
  async list(): Promise<string[]> {
    const entries = await this.ctx.storage.list({ prefix: "customer/" });
    return [...entries.keys()].map((k) => k.slice("customer/".length));
  }
}

export const registry = (env: AppEnv) => env.REGISTRY.get(env.REGISTRY.idFromName("registry"));
