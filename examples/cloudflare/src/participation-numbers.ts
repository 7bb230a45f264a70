// The number in a participation event's idempotency key (events.ts), kept per user in the
// customer's Durable Object storage (`ops/pseq/<userId>`).
//
// Its content alone cannot key an event: a participation verified, unverified and verified
// again (an edit undone and redone) gives two different changes with the same content, and a
// consumer that skips a key it applied skipped the second, ending with the participation
// unverified while VOMO had it verified (an outside pass). So each of a user's events gets the
// user's next number, and keeps it for as long as it may be offered again:
//   - the event taken last keeps its number: the package offers that same event again first
//     when the Worker died before the package recorded it taken (the one-call window);
//   - a refused event keeps its number (`pending`) until it is taken or given up, since a
//     receiver that applied it and then failed must see the same key when it comes again;
//   - anything else is a new change and gets the next number.
// The record is written once a delivery has ended, taken or refused, not before it: a Worker
// that dies in between left the numbers as they were, so the event offered again gets the
// same next number. Two events in a row with the same content are one event offered twice (a
// change cannot be made twice in a row), so `last` tells them apart from a redone edit, which
// has another event between them.
import type { ParticipationChangeEvent } from "vomo-users";

interface UserNumbers {
  /** The highest number given out. */
  n: number;
  /** The event taken last: its digest and number. */
  last?: [string, number];
  /** Refused events not yet taken or given up, by digest. */
  pending?: { [digest: string]: number };
}

/** At most this many refused events are remembered per user (the oldest go first): an event
 *  VOMO changed before it was taken is never offered again, and would stay for ever. */
const MAX_PENDING = 32;

export interface Numbered {
  userId: number;
  digest: string;
  n: number;
  /** The user's record as `of` read it (one Durable Object runs one delivery at a time). */
  record: UserNumbers;
}

/** Storage reads and writes counted for the capacity plan (customer-poller.ts's Tally). */
interface Counts {
  storageReads: number;
  storageWrites: number;
}

export class ParticipationNumbers {
  constructor(private storage: DurableObjectStorage, private counts: Counts) {}

  private key = (userId: number) => `ops/pseq/${userId}`;

  private async read(userId: number): Promise<UserNumbers> {
    this.counts.storageReads++;
    return (await this.storage.get<UserNumbers>(this.key(userId))) ?? { n: 0 };
  }

  private async write(userId: number, record: UserNumbers) {
    this.counts.storageWrites++;
    await this.storage.put(this.key(userId), record);
  }

  /** The number `e` carries: its own if it may have been offered before, else the user's next. */
  async of(e: ParticipationChangeEvent): Promise<Numbered> {
    const digest = await digestOf([e.kind, e.participation, e.before]);
    const r = await this.read(e.userId);
    const n = r.last?.[0] === digest ? r.last[1] : (r.pending?.[digest] ?? r.n + 1);
    return { userId: e.userId, digest, n, record: r };
  }

  /** The event was taken: it is the user's last, and no longer pending. */
  async taken({ userId, digest, n, record: r }: Numbered) {
    const pending = { ...r.pending };
    delete pending[digest];
    await this.write(userId, { n: Math.max(r.n, n), last: [digest, n], ...(Object.keys(pending).length ? { pending } : {}) });
  }

  /** The event was refused: it keeps its number until it is taken or given up. */
  async refused({ userId, digest, n, record: r }: Numbered) {
    const pending = Object.entries({ ...r.pending, [digest]: n }).sort((a, b) => a[1] - b[1]).slice(-MAX_PENDING);
    await this.write(userId, { ...r, n: Math.max(r.n, n), pending: Object.fromEntries(pending) });
  }

  /** The event was given up and its dead letter landed: it is not offered again. */
  async givenUp({ userId, digest, record: r }: Numbered) {
    if (r.pending?.[digest] === undefined) return;
    const pending = { ...r.pending };
    delete pending[digest];
    await this.write(userId, { n: r.n, ...(r.last ? { last: r.last } : {}), ...(Object.keys(pending).length ? { pending } : {}) });
  }
}

/** The first 8 bytes of the SHA-256 of `value`'s JSON, in hex. */
export async function digestOf(value: unknown): Promise<string> {
  const bytes = new TextEncoder().encode(JSON.stringify(value));
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return [...hash.slice(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
