// The messages this Worker delivers, one per change, each with an idempotency key so that a
// consumer can drop a repeat (the package delivers each change once, but a Worker can die
// between a delivery and the write that records it; see the package's docs/poller.md).
import type { DeadLetterEvent, ParticipationChangeEvent, User, UserChangeEvent } from "vomo-users";
import type { Numbered } from "./participation-numbers";

export interface UserEvent {
  type: "user.created" | "user.updated";
  customerId: string;
  /** `${customerId}/${id}/${updatedAt}`: one change of one user. */
  idempotencyKey: string;
  id: number;
  updatedAt: string;
  anonymized: boolean;
  user: User;
  /** Set when the message was cut to fit a queue message (delivery.ts, `fitted`). */
  trimmed?: Trimmed;
}

/** What was left out of a message to fit the queue's limit, and how large it was whole. */
export interface Trimmed {
  /** The whole message's size: bytes of its JSON. */
  bytes: number;
  /** The `user` fields left out: those holding a list or an object (of a user event's detail:
   *  `participations`, `profileFieldValues`, `warnings`). */
  omitted: string[];
}

export interface ParticipationEvent {
  type: "participation.added" | "participation.changed" | "participation.removed";
  customerId: string;
  /** `${customerId}/${userId}/p/${n}/${projectDateId}/${kind}/${digest}`: the user's n-th
   *  participation change (participation-numbers.ts), the same when the same event comes again. */
  idempotencyKey: string;
  userId: number;
  participation: ParticipationChangeEvent["participation"];
  before: ParticipationChangeEvent["before"];
}

export interface DeadLetter {
  type: "dead_letter";
  customerId: string;
  /** The key of the change given up (as its user event would have carried it), or of the
   *  refused participation event (as its participation event would carry it), or null. */
  idempotencyKey: string | null;
  attempt: number;
  error: { kind: string | null; message: string };
  user: unknown;
  /** The participation event given up, when it is one (`participation.*` as it would have come). */
  participation?: ParticipationChangeEvent;
  /** Set when the message was cut to fit a queue message (delivery.ts, `fitted`). */
  trimmed?: Trimmed;
}

export type Message = UserEvent | ParticipationEvent | DeadLetter;

export const userKey = (customerId: string, id: number, updatedAt: string) => `${customerId}/${id}/${updatedAt}`;

export function userEvent(customerId: string, e: UserChangeEvent): UserEvent {
  const { id, updatedAt } = e.user;
  return {
    type: e.kind === "created" ? "user.created" : "user.updated",
    customerId, idempotencyKey: userKey(customerId, id, updatedAt), id, updatedAt,
    anonymized: e.anonymized, user: e.user,
  };
}

export function participationEvent(customerId: string, e: ParticipationChangeEvent, numbered: Numbered): ParticipationEvent {
  return {
    type: `participation.${e.kind}`, customerId, idempotencyKey: participationKey(customerId, e, numbered),
    userId: e.userId, participation: e.participation, before: e.before,
  };
}

const participationKey = (customerId: string, e: ParticipationChangeEvent, { n, digest }: Numbered) =>
  `${customerId}/${e.userId}/p/${n}/${e.participation.projectDateId ?? "none"}/${e.kind}/${digest}`;

/** `numbered`: a refused participation event's number (`e.participation`'s). */
export function deadLetter(customerId: string, e: DeadLetterEvent, numbered?: Numbered): DeadLetter {
  // A refused participation event: keyed as the event itself, so that two of one user differ.
  const key = e.participation && numbered
    ? participationKey(customerId, e.participation, numbered)
    // The version the package names (a parsed user's, or an unreadable record's by the rule
    // the poller settles it by), so that a sink can drop the same record offered again (a
    // dead-letter target that was down); null when the record's id or time does not read.
    : e.version && userKey(customerId, e.version.id, e.version.updatedAt);
  const err = e.error as { kind?: unknown; message?: unknown } | null;
  return {
    type: "dead_letter", customerId, idempotencyKey: key, attempt: e.attempt,
    error: { kind: typeof err?.kind === "string" ? err.kind : null, message: String(err?.message ?? e.error) },
    user: e.user,
    ...(e.participation ? { participation: e.participation } : {}),
  };
}
