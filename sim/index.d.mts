// Types of vomo-users/sim (Node only). See sim/README.md for every option and control call.

export interface SimulatorQuirks {
  stringHours?: boolean | undefined; stringProjectIds?: boolean | undefined; mixedTimestamps?: boolean | undefined;
  unknownEnums?: boolean | undefined; detailAsArray?: boolean | undefined; nullStringLinks?: boolean | undefined;
  stringMeta?: boolean | undefined; stringIdInUpsert?: boolean | undefined;
}

/** The `rateLimit` option. */
export interface SimulatorRateLimit {
  /** "token-bucket" (default), "sliding-window", or "fixed-window" (Laravel's throttle middleware). */
  kind?: "token-bucket" | "sliding-window" | "fixed-window" | undefined;
  requestsPerSecond: number;
  /** token bucket: its size (default ceil(requestsPerSecond)). */
  burst?: number | undefined;
  /** windows: their length (default 1000); the limit per window is requestsPerSecond * windowMs / 1000. */
  windowMs?: number | undefined;
  retryAfter?: boolean | undefined; emptyBody?: boolean | undefined;
  /** X-RateLimit-Limit and -Remaining on every response, X-RateLimit-Reset with a 429 (default false). */
  headers?: boolean | undefined;
}

/** The rate limit in effect, as `config()` shows it. */
export interface SimulatorRateLimitInEffect extends SimulatorRateLimit {
  /** Windows: the limit per window (computed from requestsPerSecond and windowMs; not an option). */
  readonly limit?: number;
}

export interface SimulatorOptions {
  port?: number | undefined; host?: string | undefined; foreignPort?: number | undefined;
  users?: number | undefined; seed?: number | undefined; perPage?: number | undefined;
  token?: string | undefined;
  /** `null`: no token is answered with 403. */
  forbiddenToken?: string | null | undefined;
  rateLimit?: SimulatorRateLimit | null | undefined;
  quirks?: SimulatorQuirks | undefined;
  strict?: boolean | undefined;
  /** Freeze the clock at this time (ms or ISO); default: the real clock. */
  now?: number | string | undefined;
  latencyMs?: number | undefined;
}

export interface SimulatorLogEntry {
  method: string; path: string; query: Record<string, string>; status: number;
  time: number; t: number; authorization: boolean; userAgent: string | null;
}

/** What every fault may say: which requests it matches, and how many times. */
export interface SimulatorFaultMatch {
  method?: string | undefined; path?: string | undefined; page?: number | undefined; times?: number | "always" | undefined;
}

/** A fault: each type takes only its own parameters (`status`, `body` and `headers` the
 *  status fault's, `ms` the delay fault's); another is refused. */
export type SimulatorFault = SimulatorFaultMatch & (
  | { type: "status"; status?: number | undefined; body?: string | object | undefined; headers?: Record<string, string> | undefined }
  | { type: "delay"; ms?: number | undefined }
  | { type: "reset" | "stall" | "nonjson" | "truncated" | "foreign_next" | "redirect" | "unauthorized" }
);

export interface SimulatorTrigger {
  page: number; path?: string;
  /** When it fires: "before" the page is computed (the default), or "between" the listing's
   *  count (`meta.total`) and the selection of the page's rows, as a write can commit in
   *  Laravel's `paginate()`. */
  at?: "before" | "between" | undefined;
  actions: Array<Record<string, unknown> & { type: string }>;
}

/** Wire-format (snake_case) objects. */
export type WireUser = Record<string, unknown> & { id: number; email: string; updated_at: string; created_at: string };

/** What `config()` and `configure()` return: the settings in effect. */
export interface SimulatorConfig {
  perPage: number; strict: boolean; latencyMs: number;
  rateLimit: SimulatorRateLimitInEffect | null;
  quirks: Required<SimulatorQuirks>;
  token: string; forbiddenToken: string | null;
}

export interface SimulatorInfo {
  url: string; origin: string; token: string; forbiddenToken: string | null; foreignUrl: string;
  users: number; now: number; config: SimulatorConfig;
}

export interface Simulator {
  /** The request handler, for mounting on a node:http server of your own (`createSimulator`):
   *  `(req, res) => sim.handle(req, res)` with node:http's IncomingMessage and ServerResponse
   *  (typed loosely here, so that these types need no @types/node). */
  handle(req: object, res: object): Promise<void>;
  readonly url: string;
  readonly origin: string;
  readonly token: string;
  readonly forbiddenToken: string | null;
  readonly foreignUrl: string;
  readonly port: number;
  close(): Promise<void>;
  log(): SimulatorLogEntry[];
  clearLog(): void;
  foreignLog(): SimulatorLogEntry[];
  clearForeignLog(): void;
  now(): number;
  setClock(msOrIso: number | string): void;
  advanceClock(ms: number): void;
  useRealClock(): void;
  getUser(id: number): (WireUser & { participations: unknown[]; profile_field_values: unknown[] }) | null;
  listAll(): WireUser[];
  count(): number;
  createUser(fields?: Record<string, unknown>): WireUser;
  updateUser(id: number, patch?: Record<string, unknown>): WireUser;
  changeEmail(id: number, email: string): WireUser;
  addParticipation(userId: number, participation?: Record<string, unknown>): Record<string, unknown>;
  updateParticipation(userId: number, projectDateId: number, patch: Record<string, unknown>): Record<string, unknown>;
  removeParticipation(userId: number, projectDateId: number): boolean;
  deleteUser(id: number): boolean;
  anonymizeUser(id: number): WireUser;
  configure(options: Partial<Pick<SimulatorOptions, "rateLimit" | "quirks" | "strict" | "perPage" | "latencyMs" | "token" | "forbiddenToken">>): SimulatorConfig;
  config(): SimulatorConfig;
  info(): SimulatorInfo;
  injectFault(fault: SimulatorFault): number;
  clearFaults(): void;
  onPage(trigger: SimulatorTrigger): number;
  clearTriggers(): void;
  reset(options?: { users?: number; seed?: number }): void;
}

export function startSimulator(options?: SimulatorOptions): Promise<Simulator>;
/** A simulator that does not listen yet: `listen()`, or mount `handle` on your own node:http server
 *  (`url`, `origin` and `foreignUrl` are null until `listen()`, in `info()` too). */
export function createSimulator(options?: SimulatorOptions): Omit<Simulator, "url" | "origin" | "foreignUrl" | "info"> & {
  readonly url: string | null;
  readonly origin: string | null;
  readonly foreignUrl: string | null;
  info(): Omit<SimulatorInfo, "url" | "origin" | "foreignUrl"> & { url: string | null; origin: string | null; foreignUrl: string | null };
  listen(): Promise<Simulator>;
};
/** The class behind both: `new Simulator(options)` is `createSimulator(options)`. */
export const Simulator: new (options?: SimulatorOptions) => ReturnType<typeof createSimulator>;
export const DEFAULT_TOKEN: string;
export const DEFAULT_FORBIDDEN_TOKEN: string;
/** The wire quirks on by default (see the README's "Wire quirks"). */
export const DEFAULT_QUIRKS: Readonly<Required<SimulatorQuirks>>;

/** A bad command-line flag or value (the message names the flag). */
export class SimulatorArgsError extends Error {}
/** The command line's flags, in node:util `parseArgs` form. */
export const SIMULATOR_FLAGS: Readonly<Record<string, { type: "string" | "boolean"; multiple?: boolean }>>;
/** The flags' help text, one flag per line. */
export const SIMULATOR_FLAGS_HELP: string;
/** A command line (`["--port", "0", "--rps", "5"]`) -> the options `startSimulator` takes; throws SimulatorArgsError. */
export function parseSimulatorArgs(argv: string[]): { help: boolean; options: SimulatorOptions };
/** `parseArgs` values of SIMULATOR_FLAGS -> the options `startSimulator` takes; throws SimulatorArgsError. */
export function simulatorOptions(values: Record<string, string | boolean | string[] | undefined>): SimulatorOptions;
export default startSimulator;
