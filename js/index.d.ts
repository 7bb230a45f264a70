// Public types of vomo-users. Every shape that crosses the boundary is checked against what
// the package really returns by tests/js/types.test.mjs (it feeds real output, from the
// parsers and from the client, poller and import against the simulator, to `tsc` as typed
// literals), and the error kinds and defaults against the Rust core's `policy()`.

/** Known values first (for autocomplete), then any other string as sent. */
export type OpenEnum<Known extends string> = Known | (string & {});

/** Every upper/lower-case spelling of `S` (`"admin"`, `"Admin"`, `"ADMIN"`, ...). */
export type AnyCase<S extends string> = S extends `${infer C}${infer Rest}`
  ? `${Uppercase<C> | Lowercase<C>}${AnyCase<Rest>}`
  : S;

export type UserStatus = "VERIFIED" | "UNVERIFIED" | "BANNED";
export type MembershipStatus = "ACCEPTED" | "PENDING" | "REJECTED";
export type MembershipRole = "VOLUNTEER" | "ORGANIZER" | "ADMIN";

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
  userStatus: OpenEnum<UserStatus> | null;
  /** ACCEPTED, PENDING, REJECTED, or any new value */
  membershipStatus: OpenEnum<MembershipStatus> | null;
  /** VOLUNTEER, ORGANIZER, ADMIN, or any new value */
  membershipRole: OpenEnum<MembershipRole> | null;
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

/** Exactly the Rust core's kinds (`policy().errorKinds`; a test holds them equal). */
export type VomoErrorKind =
  | "invalid_input" | "validation" | "auth" | "forbidden" | "not_found" | "rate_limited"
  | "server" | "network" | "timeout" | "parse" | "unsafe_link" | "aborted" | "busy" | "internal";

/** Every failure of the package. */
export class VomoError extends Error {
  constructor(kind: VomoErrorKind, message: string,
              options?: { status?: number | null | undefined; fields?: Record<string, string[]> | null | undefined; cause?: unknown; retryAfterMs?: number | null | undefined });
  readonly name: "VomoError";
  readonly kind: VomoErrorKind;
  /** The HTTP status, or null when none was received. */
  readonly status: number | null;
  /** True for rate_limited, server, network and timeout (`policy().retryableKinds`). */
  readonly retryable: boolean;
  /** For `validation`: the 422 body's `errors`; for `invalid_input` from the upsert checks, every field refused; otherwise null. */
  readonly fields: Record<string, string[]> | null;
  /**
   * How long from now, in ms, a later attempt may succeed, where the error knows: for
   * `rate_limited`, the server's Retry-After (or its rate-limit window's reset); for `busy`,
   * the time left on the other run's lease. null otherwise.
   */
  readonly retryAfterMs: number | null;
  /** What `JSON.stringify` writes: the properties above and the message (`cause` left out). */
  toJSON(): { name: "VomoError"; kind: VomoErrorKind; message: string; status: number | null; retryable: boolean; fields: Record<string, string[]> | null; retryAfterMs: number | null };
}

/** A `GET /users` body (its text, its bytes as UTF-8, or the parsed object) to a page of users. Throws VomoError "parse". */
export function parseUserPage(body: string | Uint8Array | ArrayBuffer | object): Page<User>;
/** A `GET /users/{id}` or `POST /users` body; `data` may be an object or a one-element array. */
export function parseUserDetail(body: string | Uint8Array | ArrayBuffer | object): UserDetail;
/** One raw UserResource object (snake_case, as on the wire) to a User; what the parser
 *  coerced or met unknown (a User has no `warnings` list) goes to `onWarning`. */
export function parseUser(obj: string | Uint8Array | ArrayBuffer | object, options?: { onWarning?: ((message: string) => void) | undefined }): User;
/** An id as the helpers take it: a number, a bigint, or its digits as a string (read from a CSV or a URL). */
export type IdLike = number | bigint | string;
/** `"created"` or `"updated"`: by `knownIds` when given, else `updatedAt - createdAt < 1000 ms`. */
export function classifyChange(user: User, knownIds?: Set<IdLike> | IdLike[]): "created" | "updated";

export interface ParticipationDiff {
  added: Participation[];
  removed: Participation[];
  changed: { before: Participation; after: Participation }[];
}
/** Keyed by `projectDateId`; entries without one compare by value. */
export function diffParticipations(previous: Participation[], current: Participation[]): ParticipationDiff;
export function totalHours(participations: Participation[]): number;
/** Ids known but not currently visible, ascending. Not visible is not proof of deletion. */
export function findMissingIds(currentIds: IdLike[] | Set<IdLike>, knownIds: IdLike[] | Set<IdLike>): number[];

// ---------------------------------------------------------------- client

export interface UserFilters {
  updatedAfter?: Date | string | null | undefined;
  updatedBefore?: Date | string | null | undefined;
  createdAfter?: Date | string | null | undefined;
  createdBefore?: Date | string | null | undefined;
  nameLike?: string | null | undefined;
  emailLike?: string | null | undefined;
}

/** The last argument of every client, poller and import method. */
export interface CallOptions {
  signal?: AbortSignal | undefined;
  /** This call's per-attempt timeout, instead of the client's `timeoutMs`. */
  timeoutMs?: number | undefined;
  /** This call's re-sends after the first try (0-100), instead of the client's `maxRetries`. */
  maxRetries?: number | undefined;
}

/** One HTTP attempt, as the client's `log` option receives it. Never holds the token or a body. */
export interface RequestLogEntry {
  method: "GET" | "POST";
  /** Path and query, e.g. `/v1/users?page=2`. */
  path: string;
  /** The HTTP status, or null when no response was read: none arrived, or its body was larger than `maxResponseBytes` (`"too_large"`). */
  status: number | null;
  /** Why no response was read, else null. */
  error: "timeout" | "network" | "refused" | "aborted" | "too_large" | null;
  durationMs: number;
  /** 1 for the first try, 2 for the first retry, ... */
  attempt: number;
}

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface VomoClientOptions {
  /** Required; never logged, never in error messages. */
  token: string;
  /** Default "https://api.vomo.org/v1"; plain http only on loopback; not a port fetch blocks (the Fetch standard's "bad ports", 0). */
  baseUrl?: string | undefined;
  /** Default 3; "auto" adapts to an unknown server limit from its 429s. */
  requestsPerSecond?: number | "auto" | undefined;
  /** Re-sends after the first try (default 4). */
  maxRetries?: number | undefined;
  /** A longer Retry-After fails at once as rate_limited (default 120000). */
  maxRetryAfterMs?: number | undefined;
  /** Per attempt (default 30000). */
  timeoutMs?: number | undefined;
  /** The largest response body read; a larger one fails as parse (default 10000000). */
  maxResponseBytes?: number | undefined;
  fetch?: FetchLike | undefined;
  onWarning?: ((message: string) => void) | undefined;
  /** Called after every HTTP attempt (retries included). */
  log?: ((entry: RequestLogEntry) => void) | undefined;
  /** Put before `vomo-users/<version>` in the User-Agent (Node and workerd; browsers send their own). */
  userAgent?: string | undefined;
}

export interface UpsertUserInput {
  firstName: string;
  lastName: string;
  email: string;
  phone?: string | null | undefined;
  /** YYYY-MM-DD */
  birthday?: string | null | undefined;
  gender?: "M" | "F" | "N" | "m" | "f" | "n" | null | undefined;
  /** Any case; sent upper-case. */
  role?: AnyCase<MembershipRole> | null | undefined;
  address?: string | null | undefined;
  org?: string | null | undefined;
  inviteCode?: string | null | undefined;
  password?: string | null | undefined;
}

export interface UpsertResult {
  user: User;
  /** From the status: 201 created, 200 updated. */
  created: boolean;
  /** An earlier attempt of this call may have reached the server (a 200 may follow our own lost 201). */
  uncertain: boolean;
}

export interface ClientStats {
  requests: number;
  retries: number;
  rateLimited: number;
  errors: number;
}

export class VomoClient {
  constructor(options: VomoClientOptions);
  /**
   * The base URL as the client checked it, with no trailing slash on its path (a bare origin keeps its `/`; `https://api.vomo.org/v1`
   * by default): where its requests go, and what a poller's state and an import's progress record as
   * the API they are of. Spellings of one URL (`HTTPS://API.example.org/v1/`) give the same text.
   */
  readonly baseUrl: string;
  listUsers(filters?: UserFilters, options?: CallOptions): AsyncGenerator<User, void, undefined>;
  listUserPages(filters?: UserFilters, options?: CallOptions): AsyncGenerator<Page<User>, void, undefined>;
  listAllUsers(filters?: UserFilters, options?: CallOptions): Promise<User[]>;
  /** null on 404. `id`: a positive integer, or its digits as a string (else invalid_input; past 2^53, parse). */
  getUser(id: number | bigint | string, options?: CallOptions): Promise<UserDetail | null>;
  upsertUser(input: UpsertUserInput, options?: CallOptions): Promise<UpsertResult>;
  /** Exact, case-insensitive match after email_like; the most recently updated of several. */
  findUserByEmail(email: string, options?: CallOptions): Promise<User | null>;
  stats(): ClientStats;
  /** The current request rate (moves in "auto" mode). */
  currentRate(): number;
}

// ---------------------------------------------------------------- change detection

/**
 * Sync or async key-value storage; values are strings of at most 100 KiB. `set` must be
 * atomic per key. Optional: `delete` (keys no longer used are removed; without it they are
 * left, bounded, and reused) and `setMany`, which must write all its pairs or none (at most
 * 128 per call; used for values that span several keys). See docs/stores.md.
 */
export interface KeyValueStore {
  get(key: string): string | null | undefined | Promise<string | null | undefined>;
  set(key: string, value: string): void | Promise<void>;
  delete?(key: string): unknown;
  setMany?(entries: [string, string][]): void | Promise<void>;
  /**
   * Compare-and-set, for a store that can do it as one step no other writer comes between:
   * writes `value` only if `key` holds `expected` (null: no value), and returns whether it
   * wrote. With it, a poll's or an import's lease cannot be taken by two runs at once.
   */
  setIf?(key: string, expected: string | null, value: string): boolean | Promise<boolean>;
  /**
   * The process a lease is taken in, as text this store can judge later with
   * `leaseHolderGone` (FileStore: host, PID, start time); null: none.
   */
  leaseHolder?(): string | null | Promise<string | null>;
  /**
   * Whether the holder a lease records (another run's `leaseHolder()`) is known to be gone:
   * true lets a killed run's lease be taken over at once instead of waited out (2 minutes);
   * false (alive) or null (cannot tell) leave it to expire.
   */
  leaseHolderGone?(holder: string): boolean | null | Promise<boolean | null>;
}

export class MemoryStore implements KeyValueStore {
  get(key: string): string | null;
  set(key: string, value: string): void;
  delete(key: string): void;
  setIf(key: string, expected: string | null, value: string): boolean;
  keys(): string[];
  readonly size: number;
}

export interface UserChangeEvent {
  kind: "created" | "updated";
  /** A UserDetail when the participations mode fetched it. */
  user: User | UserDetail;
  /** VOMO anonymized the account (vomodeleteduser...@vomo.org). */
  anonymized: boolean;
}

export interface ParticipationChangeEvent {
  kind: "added" | "changed" | "removed";
  userId: number;
  participation: Participation;
  /** The previous version for "changed"; otherwise null. */
  before: Participation | null;
}

export interface DeadLetterEvent {
  /** The user as delivered, or the raw record that could not be read. */
  user: User | Record<string, unknown>;
  /** What the handler threw, or a VomoError "parse". */
  error: unknown;
  attempt: number;
  final: boolean;
  /** The participation event onParticipation threw for; null for a user's change or an
   *  unreadable record. */
  participation: ParticipationChangeEvent | null;
  /** The version it is about, what a sink keys a dead letter by to drop one offered again:
   *  the user's, or an unreadable record's when its id and updated_at read as a readable
   *  record's would; null when they do not. */
  version: { id: number; updatedAt: string } | null;
}

export interface UserPollerOptions {
  client: VomoClient;
  /** A durable store (see docs/stores.md); MemoryStore only for tests and demos. */
  store: KeyValueStore;
  /** Keys the stored state; any non-empty string without "/". */
  customerId: string;
  onUser?: ((event: UserChangeEvent) => unknown | Promise<unknown>) | undefined;
  /** Each event it returns from is recorded at once; a death among a user's events repeats at
   *  most the one it cut off, at the next poll; one it throws for is offered again at the next
   *  poll, until maxAttempts and retryForMs give it up (a final dead letter naming it). */
  onParticipation?: ((event: ParticipationChangeEvent) => unknown | Promise<unknown>) | undefined;
  /** An unreadable record it throws for (a sink that is down) is kept and offered again at
   *  each later poll until it returns (up to maxDeadLetters of them). */
  onDeadLetter?: ((event: DeadLetterEvent) => unknown | Promise<unknown>) | undefined;
  /** Default "off"; "changed-users" reads the detail of each changed user, "full-scan" of every user. */
  participations?: "off" | "changed-users" | "full-scan" | undefined;
  /** For health() (default 900000). */
  pollIntervalMs?: number | undefined;
  /** Attempts per failed change before it is given up with final: true (default 5); for a user's
   *  refused participation events, polls in which they were refused. Attempts made during a
   *  downstream outage do not count, and a change is given up only after a later handler call
   *  succeeded. */
  maxAttempts?: number | undefined;
  /** How long a failing change is offered again at least, ms since its first failure, before
   *  it is given up, however many attempts that took (default 0: by maxAttempts alone). */
  retryForMs?: number | undefined;
  /** The least time, ms by the local clock, between two offers of one refused change (or of a
   *  user's refused participation events): one refused at a poll, and judged there by a later
   *  successful handler call, is not offered again by a poll within this long; one not judged
   *  is offered at the next poll (default 0: at every poll). */
  retryIntervalMs?: number | undefined;
  /** How far behind the server's clock a window ends, ms (default 5000, at least 2000). */
  windowMarginMs?: number | undefined;
  /** A window whose first page reports more rows than this is narrowed first (default 5000). */
  maxWindowRows?: number | undefined;
  /** Handler failures in a row after which the poll stops as a downstream outage (default 10). */
  maxConsecutiveFailures?: number | undefined;
  /** The dead-letter queue's bound between runs of failures (a run is queued whole, at most
   *  `maxConsecutiveFailures` beyond it); a poll over it stops, nothing is dropped (default 1000).
   *  It bounds the unreadable records kept while onDeadLetter refuses them, the same way. */
  maxDeadLetters?: number | undefined;
  /** The stored state records the client `baseUrl` it is of, and a state of another API is
   *  refused (`invalid_input`, before anything is sent). For one VOMO organization at a new
   *  address: the old base URL, whose state this poller takes over, checkpoint and all. */
  previousBaseUrl?: string | undefined;
}

/** Why a poll stopped before catching up. */
export type PollStopReason = "max_requests" | "handler_outage" | "dead_letter_limit" | "unsettled_window";

export interface PollResult {
  processed: number;
  created: number;
  updated: number;
  failed: number;
  participationEvents: number;
  /** Queued changes, and users owing participation events, that this poll left for the next
   *  because half its maxRequests went to retries already (each reads a detail); 0 without
   *  maxRequests. Above 0 with `failed` 0, the downstream takes them: poll again at once to
   *  drain the backlog. */
  retriesDeferred: number;
  requests: number;
  /** The ISO updatedAt watermark now stored; null while there is none (an initial sync that
   *  has not finished its first window, or stopped before it). */
  checkpoint: string | null;
  durationMs: number;
  /** The server's estimated now minus the checkpoint; null while there is no checkpoint. */
  lagMs: number | null;
  /** False when the poll stopped early (see stopReason): the next poll goes on. */
  complete: boolean;
  /** Why the poll stopped early; null when it completed. */
  stopReason: PollStopReason | null;
}

export interface PollerHealth {
  stalled: boolean;
  lagMs: number | null;
  checkpoint: string | null;
}

export interface ReconcileResult {
  /** Ids known but not visible now, ascending: for review, not proof of deletion. */
  missing: number[];
  /** False when the listing did not finish. */
  complete: boolean;
  /** Why it did not finish when a request failed (after the retries): a server or network
   *  error, an unsafe link, a page that could not be read; null when complete. A list that
   *  keeps changing while it is read still completes: the last of its listings counts. */
  error: VomoError | null;
  /** Set when a reconcile with maxRequests stopped, its budget spent (complete false, error
   *  null): pass it as options.resume to go on where it stopped (opaque text, of this customer
   *  and API only). Null otherwise. */
  resume: string | null;
}

/** How far `reconcile()` is: users listed of the listing's total (`"listing"`; a listing
 *  started again because its total changed counts from 0), then the users not listed, each
 *  confirmed with its detail (`"confirming"`). */
export interface ReconcileProgress {
  phase: "listing" | "confirming";
  done: number;
  total: number;
}

export interface ReconcileOptions extends CallOptions {
  /** Called after each page of the listing and each confirmed candidate; what it throws or
   *  rejects with is ignored. */
  onProgress?: ((progress: ReconcileProgress) => void) | undefined;
  /** At most this many requests, retries included (a whole number, at least 1); then the
   *  result's resume says where it stopped. */
  maxRequests?: number | undefined;
  /** A stopped reconcile's resume: goes on from there (the listing by page number, once, and
   *  then the candidates). */
  resume?: string | null | undefined;
}

export interface PollOptions extends CallOptions {
  /** Stop after this many HTTP requests; the next poll goes on from there. */
  maxRequests?: number | undefined;
}

export class UserPoller {
  constructor(options: UserPollerOptions);
  poll(options?: PollOptions): Promise<PollResult>;
  reconcile(options?: ReconcileOptions): Promise<ReconcileResult>;
  health(): PollerHealth;
  loadHealth(): Promise<PollerHealth>;
  /**
   * The `baseUrl` the customer's stored state was written for (as `client.baseUrl` reads it),
   * from the store alone: no client, nothing sent or written. Null when the store has no state
   * for the customer yet, or its state predates states recording their API.
   */
  static storedBaseUrl(options: StoredBaseUrlOptions): Promise<string | null>;
  /**
   * Removes the customer's stored state (checkpoint, known ids, journal, dead letters,
   * participations), so that its next poll is an initial sync that delivers every user again.
   * Takes the customer's lease for it: rejects with `busy` while a poll of the customer runs.
   * Resolves to whether there was any state.
   */
  static forget(options: StoredBaseUrlOptions): Promise<boolean>;
}

export interface StoredBaseUrlOptions {
  store: KeyValueStore;
  /** The customer whose state to read, as given to `new UserPoller`. */
  customerId: string;
}

// ---------------------------------------------------------------- import

/** One roster row. A misspelt field (`emial`) does not compile in an object literal; a record built elsewhere with one is refused at run time (`invalid_input` naming it). */
export interface RosterRecord extends Partial<UpsertUserInput> {
  externalId?: string | null | undefined;
}

export interface ImportProgress {
  done: number;
  total: number;
  created: number;
  updated: number;
  failed: number;
  /** Records not sent because their email changed for their external id (see `mapping`). */
  emailChanged: number;
  /** Estimated ms until the last record: the records still to send, at the pace of those sent so far; null before the first send. */
  etaMs: number | null;
}

export interface ExternalIdMapping {
  get(externalId: string): { vomoUserId: number; email: string } | null | undefined
    | Promise<{ vomoUserId: number; email: string } | null | undefined>;
  set(externalId: string, value: { vomoUserId: number; email: string }): void | Promise<void>;
}

/** `store` and `key` go together: progress is saved in `store` under `key`, both or neither. */
export type ImportRosterOptions = ImportRosterRunOptions & ({ store: KeyValueStore; key: string } | { store?: undefined; key?: undefined });

/** The options of `importRoster` beside `store` and `key`. */
export interface ImportRosterRunOptions extends CallOptions {
  /** Default 50 (`policy().import.checkpointEvery`). */
  checkpointEvery?: number | undefined;
  /** Records in a row that fail without an answer about them (`server`, `network`, `timeout`,
   *  `parse`, `unsafe_link`, after the client's retries) after which the run stops as an
   *  outage: the promise rejects with the last one's kind, after progress is saved. Default 5
   *  (`policy().import.maxConsecutiveFailures`). */
  maxConsecutiveFailures?: number | undefined;
  /** Progress under `key` records the client `baseUrl` it is of, and progress of another API
   *  is refused (`invalid_input`, before anything is sent). For one VOMO organization at a new
   *  address: the old base URL, whose progress this import takes over. */
  previousBaseUrl?: string | undefined;
  onProgress?: ((progress: ImportProgress) => void) | undefined;
  mapping?: ExternalIdMapping | undefined;
  /** With `mapping`, and a record with an external id, imports that share the mapping take
   *  turns (another rejects with `busy`, sending nothing): by a lease in `store` (one per
   *  store) and, in this process, on the `mapping` object. Default true; false when they are
   *  kept apart otherwise. */
  mappingLease?: boolean | undefined;
}

export interface ImportedUser {
  externalId: string | null;
  email: string;
  user: User;
  /**
   * An update that may be this import's own create whose answer was lost: the upsert was sent
   * again after an attempt that may have reached the server (a retry after a timeout, or a
   * record an earlier run with the key sent without an answer or was cut off after sending).
   * VOMO has one user for the email either way. Always false for a created one.
   */
  uncertain: boolean;
}
export interface ImportFailure {
  /** The record's position in the `records` given to importRoster. */
  index: number;
  externalId: string | null;
  email: string;
  error: VomoError;
  fields: Record<string, string[]> | null;
}
export interface EmailChange {
  /** The record's position in the `records` given to importRoster. */
  index: number;
  externalId: string; vomoUserId: number; oldEmail: string; newEmail: string;
}

export interface ImportResult {
  created: ImportedUser[];
  updated: ImportedUser[];
  failed: ImportFailure[];
  emailChanged: EmailChange[];
}

export function importRoster(client: VomoClient, records: readonly (RosterRecord | ParsedRosterRecord)[], options?: ImportRosterOptions): Promise<ImportResult>;
export namespace importRoster {
  /**
   * The `baseUrl` the progress of the import `key` was saved for (as `client.baseUrl` reads
   * it), from the store alone: no client, nothing sent or written. Null when the store has no
   * progress under `key`, or its progress predates progress recording its API.
   */
  function storedBaseUrl(options: StoredImportBaseUrlOptions): Promise<string | null>;
  /**
   * Removes the saved progress of the import `key` (its settled records and log), so that the
   * next run with the key sends every record again. Takes the key's lease for it: rejects with
   * `busy` while a run holds the key. Resolves to whether there was any progress.
   */
  function forget(options: StoredImportBaseUrlOptions): Promise<boolean>;
}
export interface StoredImportBaseUrlOptions {
  store: KeyValueStore;
  /** The import, as given to `importRoster` as `key`. */
  key: string;
}
export interface FindOrCreateResult { user: User; created: boolean }
export function findOrCreateUser(client: VomoClient, email: string, defaults?: Partial<UpsertUserInput>,
                                 options?: CallOptions): Promise<FindOrCreateResult>;

/**
 * A record as `parseRosterCsv` read it, with the `line` it came from: the gender and the role
 * as the file has them, not checked yet (a `Q` or a `boss` arrives here; `importRoster` fails
 * that row with `invalid_input` naming the field, sending nothing for it).
 */
export interface ParsedRosterRecord extends Omit<RosterRecord, "gender" | "role"> {
  gender?: string | null | undefined;
  role?: string | null | undefined;
  line: number;
}

export interface ParsedRoster {
  /** Records for importRoster, each with the `line` it came from. */
  records: ParsedRosterRecord[];
  /** Rows that cannot be imported: their line, why, and what they held under the headers that
   *  are read (by position as far as their cells go; empty for a row that could not be read). */
  errors: { line: number; message: string; record: Partial<Record<keyof RosterRecord, string>> }[];
  ignoredColumns: string[];
}
/**
 * A CSV roster (BOM, quotes, CRLF; "First Name", "Email Address", ... headers; comma-separated,
 * or semicolon/tab-separated when the header row says so) to records. Pass a file's bytes
 * (a `Uint8Array`, Node `Buffer` or `ArrayBuffer`) rather than decoded text: bytes that are not
 * UTF-8 are then refused with their line (`invalid_input`) instead of reaching VOMO as U+FFFD.
 * An apostrophe before a leading `=`, `+`, `-` or `@` (the guard against spreadsheet formulas
 * that the failed-rows files carry) is dropped: `'+1 555` reads as `+1 555`.
 */
export function parseRosterCsv(roster: string | Uint8Array | ArrayBuffer): ParsedRoster;

/**
 * CSV text of `rows` (the first is usually the header; `null` and `undefined` are empty cells)
 * that `parseRosterCsv` reads back as it was: quoted where a cell holds a comma, a quote or a
 * line break (RFC 4180), CRLF line ends, and an apostrophe before a cell that begins with `=`,
 * `+`, `-` or `@`, so that a spreadsheet shows it as text instead of running it as a formula.
 * Anything but an array of arrays of strings, finite numbers and nulls is `invalid_input`
 * naming the cell (`rows[1][2]`): NaN, a Date or a BigInt is not written as something else.
 */
export function toRosterCsv(rows: readonly (readonly (string | number | null | undefined)[])[]): string;
/**
 * `text` with `token` replaced by `[redacted]` wherever it appears, however it is written there:
 * as it is, percent-encoded (by any encoder, either hex case), JSON-escaped (`\/`, `\u007C`),
 * as HTML character references, or cut short before a `...` or the end of the text (from its
 * fourth character on). The token is taken as `VomoClient` takes it (`Bearer ` and surrounding
 * spaces dropped); one shorter than 4 characters is left alone. What the client does to its
 * own messages, log entries and stored state, for text of your own (logs, reports).
 */
export function redactToken(text: string, token: string): string;

/** The rules the Rust core decides, as the package applies them; frozen, every level. */
export interface Policy {
  /** The package version (also in the User-Agent). */
  readonly version: string;
  readonly errorKinds: readonly VomoErrorKind[];
  readonly retryableKinds: readonly VomoErrorKind[];
  /** The filter names `listUsers` and friends accept. */
  readonly filterKeys: readonly (keyof UserFilters)[];
  /** The filters that are dates, which take a `Date` too (the others are texts). */
  readonly dateFilterKeys: readonly ("updatedAfter" | "updatedBefore" | "createdAfter" | "createdBefore")[];
  /** The fields `upsertUser` and roster records take. */
  readonly upsertFields: readonly (keyof UpsertUserInput)[];
  readonly client: { readonly baseUrl: string; readonly requestsPerSecond: number | "auto"; readonly maxRetries: number;
            readonly maxRetriesLimit: number; readonly maxRetryAfterMs: number; readonly timeoutMs: number; readonly maxResponseBytes: number };
  readonly poller: { readonly participations: "off" | "changed-users" | "full-scan";
            readonly participationModes: readonly ("off" | "changed-users" | "full-scan")[];
            readonly pollIntervalMs: number; readonly maxAttempts: number; readonly retryForMs: number; readonly retryIntervalMs: number; readonly windowMarginMs: number; readonly maxWindowRows: number;
            readonly maxConsecutiveFailures: number; readonly maxDeadLetters: number;
            /** The smallest `poll({ maxRequests })` that can make progress, per participations mode. */
            readonly leastMaxRequests: Readonly<Record<"off" | "changed-users" | "full-scan", number>>;
            /** How long a poll's lease lasts unrenewed: one left by a process that died expires within this. */
            readonly leaseMs: number };
  readonly import: { readonly checkpointEvery: number; readonly maxConsecutiveFailures: number };
}
/** The package's rules (defaults, error kinds, filter names), read from the Rust core. Frozen. */
export function policy(): Policy;

/**
 * Browsers: loads the wasm; await once before first use. workerd: a no-op. Node: a no-op when
 * the .wasm was found next to the module; if it was not (a bundle that moved it), rejects with
 * the `not_found` VomoError every call throws then (`forbidden` when the runtime may not read
 * it), or loads it from `input` (its bytes, a
 * `WebAssembly.Module`, a path or a `file:` URL).
 */
export default function init(input?: string | URL | Request | Response | ArrayBuffer | ArrayBufferView | WasmModule): Promise<void>;
/** `WebAssembly.Module` where the compiler knows it (lib "dom", @cloudflare/workers-types); any
 *  object otherwise (a `lib` without "dom", with @types/node, which does not declare it). */
export type WasmModule = typeof globalThis extends { WebAssembly: { Module: abstract new (...args: any[]) => infer M } } ? M : object;
/** The default export, also by name (`const { init } = require("vomo-users")`). */
export { init };
