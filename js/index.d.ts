// Public types of vomo-users. The shapes are checked against what the Rust parsers really
// return by tests/js/types.test.mjs (it feeds parser output to `tsc` as typed literals).

/** A VOMO user in the list shape. Timestamps are ISO-8601 UTC with milliseconds. */
export interface User {
  id: number;
  firstName: string;
  lastName: string;
  fullName: string;
  email: string;
  phone: string | null;
  address: string | null;
  /** `YYYY-MM-DD` */
  birthday: string | null;
  gender: "M" | "F" | "N" | null;
  createdAt: string;
  updatedAt: string;
  /** VERIFIED, UNVERIFIED, BANNED, or any new value as sent */
  userStatus: string | null;
  /** ACCEPTED, PENDING, REJECTED, or any new value */
  membershipStatus: string | null;
  /** VOLUNTEER, ORGANIZER, ADMIN, or any new value */
  membershipRole: string | null;
}

export interface Participation {
  projectId: number | null;
  projectDateId: number | null;
  /** 0 when absent */
  guests: number;
  signedUpAt: string | null;
  checkedInAt: string | null;
  checkedOutAt: string | null;
  /** `"4.00"` -> 4; absent -> 0; garbage -> 0 plus a warning */
  hours: number;
  verified: boolean;
  role: string | null;
}

export interface ProfileFieldValue {
  fieldId: number;
  fieldLabel: string;
  value: string | null;
}

export interface UserDetail extends User {
  participations: Participation[];
  profileFieldValues: ProfileFieldValue[];
  /** What the parser coerced or met unknown, each prefixed with its JSON path. */
  warnings: string[];
}

export interface PageLinks {
  first: string | null;
  last: string | null;
  prev: string | null;
  next: string | null;
}

export interface PageMeta {
  currentPage: number;
  from: number | null;
  to: number | null;
  path: string | null;
  perPage: number;
  total: number;
  /** `last_page` as sent, else null */
  lastPage: number | null;
}

export interface Page<T> {
  data: T[];
  links: PageLinks;
  meta: PageMeta;
  warnings: string[];
}

export type VomoErrorKind =
  | "invalid_input" | "validation" | "auth" | "forbidden" | "not_found" | "rate_limited"
  | "server" | "network" | "timeout" | "parse" | "unsafe_link" | "aborted" | "busy";

/** Every failure of the package. */
export class VomoError extends Error {
  constructor(kind: VomoErrorKind, message: string,
              options?: { status?: number | null; fields?: Record<string, string[]> | null; cause?: unknown });
  readonly name: "VomoError";
  readonly kind: VomoErrorKind;
  /** The HTTP status, or null when none was received. */
  readonly status: number | null;
  /** True for rate_limited, server, network and timeout. */
  readonly retryable: boolean;
  /** For `validation`: the 422 body's `errors`; otherwise null. */
  readonly fields: Record<string, string[]> | null;
}

/** A `GET /users` body (text or parsed object) to a page of users. Throws VomoError "parse". */
export function parseUserPage(body: string | object): Page<User>;
/** A `GET /users/{id}` or `POST /users` body; `data` may be an object or a one-element array. */
export function parseUserDetail(body: string | object): UserDetail;
/** One raw UserResource object (snake_case, as on the wire) to a User. */
export function parseUser(obj: string | object): User;
/** `"created"` or `"updated"`: by `knownIds` when given, else `updatedAt - createdAt < 1000 ms`. */
export function classifyChange(user: User, knownIds?: Set<number> | number[]): "created" | "updated";

export interface ParticipationDiff {
  added: Participation[];
  removed: Participation[];
  changed: { before: Participation; after: Participation }[];
}
/** Keyed by `projectDateId`; entries without one compare by value. */
export function diffParticipations(previous: Participation[], current: Participation[]): ParticipationDiff;
export function totalHours(participations: Participation[]): number;
/** Ids known but not currently visible, ascending. Not visible is not proof of deletion. */
export function findMissingIds(currentIds: number[] | Set<number>, knownIds: number[] | Set<number>): number[];

/** Browsers: loads the wasm; await once before first use. Node and workerd: a no-op. */
export default function init(input?: string | URL | Request | Response | BufferSource | WebAssembly.Module): Promise<void>;
