// Where the events go: a Cloudflare Queue (producer bindings EVENTS and DEAD_LETTERS) or a
// webhook (WEBHOOK_URL and DEAD_LETTER_URL, signed; see signature.ts). A send that fails
// throws, so the poller records the change as a dead letter and offers it again on the next
// slice, up to MAX_ATTEMPTS; the final failure goes to the dead-letter queue or endpoint.
import type { AppEnv, Settings } from "./config";
import type { DeadLetter, Message, Trimmed } from "./events";
import { sign } from "./signature";

export interface Sink {
  /** Delivers one event; throws when it was not accepted. */
  event(message: Message): Promise<void>;
  /** Delivers a change that was given up for good. */
  deadLetter(message: DeadLetter): Promise<void>;
}

/** Counts what one invocation sends out (VOMO requests, queue sends, webhook posts). */
export class Subrequests {
  count = 0;
  /** `fetch`, counted: give it to VomoClient and the webhook sink. */
  readonly fetch: typeof fetch = (input, init) => {
    this.count++;
    return fetch(input, init);
  };
}

/**
 * The largest message sent to a queue: bytes of its JSON. Cloudflare Queues take at most 128 KB
 * a message (Miniflare refuses more than 128,000 bytes); 2,000 are left for what the runtime adds.
 */
export const QUEUE_MESSAGE_BYTES = 126_000;

const jsonBytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)).length;

/**
 * `message` within `limit` bytes. A user's detail (PARTICIPATIONS on) with hundreds of
 * participations can pass the queue's limit: sent whole it would fail every delivery, then
 * fail again as a dead letter, and stay queued for good. Such a message keeps the user's
 * own fields and leaves out the lists (`participations`, `profileFieldValues`, `warnings`),
 * saying so in `trimmed`; a consumer that needs them reads the user's detail from VOMO by
 * `id`. (The participation changes still arrive as participation.* messages of their own.)
 * A message that is still too large, or has no user to trim, is sent as it is, and the
 * queue's refusal is a failed delivery.
 */
export function fitted<M extends Message>(message: M, limit = QUEUE_MESSAGE_BYTES): M {
  const bytes = jsonBytes(message);
  const user = (message as { user?: unknown }).user;
  if (bytes <= limit || user === null || typeof user !== "object" || Array.isArray(user)) return message;
  const kept: Record<string, unknown> = {};
  const omitted: string[] = [];
  for (const [k, v] of Object.entries(user)) {
    if (v !== null && typeof v === "object") omitted.push(k);
    else kept[k] = v;
  }
  const trimmed: Trimmed = { bytes, omitted };
  const smaller = { ...message, user: kept, trimmed };
  return omitted.length && jsonBytes(smaller) <= limit ? smaller : message;
}

class QueueSink implements Sink {
  constructor(private events: Queue, private deadLetters: Queue, private counter: Subrequests) {}
  async event(message: Message) {
    this.counter.count++;
    await this.events.send(fitted(message), { contentType: "json" });
  }
  async deadLetter(message: DeadLetter) {
    this.counter.count++;
    await this.deadLetters.send(fitted(message), { contentType: "json" });
  }
}

class WebhookSink implements Sink {
  constructor(private url: string, private deadLetterUrl: string | null, private secret: string, private counter: Subrequests) {}
  async event(message: Message) {
    await this.post(this.url, message);
  }
  async deadLetter(message: DeadLetter) {
    // Without a DEAD_LETTER_URL the given-up change is only logged (see the poller's log line).
    if (this.deadLetterUrl) await this.post(this.deadLetterUrl, message);
  }
  private async post(url: string, message: Message) {
    const body = JSON.stringify(message);
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "vomo-signature": await sign(this.secret, body, Math.floor(Date.now() / 1000)),
    };
    if (message.idempotencyKey) headers["idempotency-key"] = message.idempotencyKey;
    // A redirect is not an answer: followed, a 301/302 would turn the POST into a GET without
    // the body, whose 2xx would count the change as delivered.
    const res = await this.counter.fetch(url, { method: "POST", headers, body, redirect: "manual", signal: AbortSignal.timeout(10_000) });
    await res.body?.cancel();
    if (!res.ok) throw new Error(`webhook answered ${res.status}`);
  }
}

export function sinkFor(env: AppEnv, s: Settings, counter: Subrequests): Sink {
  if (s.delivery === "webhook") return new WebhookSink(s.webhookUrl!, s.deadLetterUrl, env.WEBHOOK_SECRET!, counter);
  return new QueueSink(env.EVENTS, env.DEAD_LETTERS, counter);
}
