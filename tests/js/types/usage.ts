// Compiled by scripts/test.sh with `tsc --noEmit --strict` against the installed package:
// the public API used with its real types (no any).
import init, {
  VomoError, parseUserPage, parseUserDetail, parseUser, classifyChange, diffParticipations,
  totalHours, findMissingIds, VomoClient, UserPoller, MemoryStore, importRoster, policy, parseRosterCsv,
} from "vomo-users";
import type { User, UserDetail, Participation, Page, ParticipationDiff, VomoErrorKind, StoredBaseUrlOptions, StoredImportBaseUrlOptions } from "vomo-users";
import initParse, { VomoError as ParseError, parseUserPage as parsePage, parseUserDetail as parseDetail, parseUser as parseOne } from "vomo-users/parse";
import type { User as ParsedUser, Page as ParsedPage, UserDetail as ParsedDetail } from "vomo-users/parse";
import { FileStore } from "vomo-users/stores/file";
import type { FileStoreOptions } from "vomo-users/stores/file";
import { startSimulator, createSimulator, DEFAULT_QUIRKS } from "vomo-users/sim";
import type { SimulatorConfig, SimulatorInfo } from "vomo-users/sim";

async function main(body: string): Promise<void> {
  await init();
  const page: Page<User> = parseUserPage(body);
  const next: string | null = page.links.next;
  const lastPage: number | null = page.meta.lastPage;
  const first: User | undefined = page.data[0];
  if (first) {
    const phone: string | null = first.phone;
    const gender: "M" | "F" | "N" | null = first.gender;
    const kind: "created" | "updated" = classifyChange(first, new Set<number>([first.id]));
    const kind2: "created" | "updated" = classifyChange(first, [1, 2]);
    console.log(phone, gender, kind, kind2, classifyChange(first));
  }
  const detail: UserDetail = parseUserDetail(JSON.parse(body) as object);
  const parts: Participation[] = detail.participations;
  const hours: number = totalHours(parts);
  const diff: ParticipationDiff = diffParticipations([], parts);
  for (const { before, after } of diff.changed) console.log(before.projectDateId, after.hours);
  const missing: number[] = findMissingIds([1, 2], new Set([3]));
  const user: User = parseUser({ id: 1, email: "a@b.org" });
  const warnings: string[] = [...page.warnings, ...detail.warnings];
  console.log(next, lastPage, hours, missing, user.fullName, warnings);
  try {
    parseUserPage("x");
  } catch (e) {
    if (e instanceof VomoError) {
      const k: VomoErrorKind = e.kind;
      const status: number | null = e.status;
      const retryable: boolean = e.retryable;
      const fields: Record<string, string[]> | null = e.fields;
      console.log(k, status, retryable, fields, e.message);
    }
  }
}

// vomo-users/parse: the main entry's declarations, so its values and errors are the main types.
async function parseOnly(body: string): Promise<User[]> {
  await initParse();
  const page: Page<User> = parsePage(body);
  const same: ParsedPage<ParsedUser> = page;
  const detail: UserDetail = parseDetail(JSON.parse(body) as object);
  const one: ParsedDetail = detail;
  const user: User = parseOne({ id: 1, email: "a@b.org" });
  const MainError: typeof VomoError = ParseError;
  try {
    parsePage("x");
  } catch (e) {
    if (e instanceof ParseError) {
      const k: VomoErrorKind = e.kind;
      const asMain: VomoError = e;
      console.log(k, asMain.message, MainError.name);
    }
  }
  // @ts-expect-error the sub-path has the parsers only
  void import("vomo-users/parse").then((m) => m.VomoClient);
  return [...same.data, one, user];
}

// The client's checked base URL: text, and read-only.
function baseOf(client: VomoClient): string {
  // @ts-expect-error baseUrl is read-only
  client.baseUrl = "https://example.org/v1";
  return client.baseUrl;
}

// Which API a customer's state is of: a static read of the store, no client.
async function storedApi(): Promise<string | null> {
  const options: StoredBaseUrlOptions = { store: new MemoryStore(), customerId: "acme" };
  // @ts-expect-error the customer is required
  void UserPoller.storedBaseUrl({ store: options.store });
  // @ts-expect-error it may be null: no state yet
  const never: string = await UserPoller.storedBaseUrl(options);
  void never;
  return UserPoller.storedBaseUrl(options);
}

// A FileStore that skips a key another process holds at once, as a poller's store.
function skippingStore(client: VomoClient): UserPoller {
  const options: FileStoreOptions = { lockWaitMs: 0 };
  // @ts-expect-error milliseconds, a number
  void new FileStore("state", { lockWaitMs: "0" });
  const store = new FileStore("state", options);
  const wrote: Promise<boolean> = store.setIf("k", null, "v");
  void wrote;
  return new UserPoller({ client, store, customerId: "acme" });
}

// Removing a customer's poller state: { store, customerId }, a boolean back.
async function forgetPollerState(): Promise<boolean> {
  const options: StoredBaseUrlOptions = { store: new MemoryStore(), customerId: "acme" };
  // @ts-expect-error the customer is required
  void UserPoller.forget({ store: options.store });
  // @ts-expect-error it resolves to a boolean
  const wrong: Promise<string> = UserPoller.forget(options);
  void wrong;
  return UserPoller.forget(options);
}

// Which API an import's progress is of: a static read of the store, no client.
async function storedImportApi(): Promise<string | null> {
  const options: StoredImportBaseUrlOptions = { store: new MemoryStore(), key: "nightly" };
  // @ts-expect-error the key is required
  void importRoster.storedBaseUrl({ store: options.store });
  return importRoster.storedBaseUrl(options);
}

// A parsed roster's records go to importRoster as they are; their gender and role are the
// file's text (checked by importRoster, row by row), so a switch over them is not exhaustive.
async function importParsed(client: VomoClient, bytes: Uint8Array): Promise<number> {
  const { records } = parseRosterCsv(bytes);
  const gender: string | null | undefined = records[0]?.gender;
  // @ts-expect-error the file's text, not one of the API's values
  const narrow: "M" | "F" | "N" | null | undefined = records[0]?.gender;
  void gender, narrow;
  // @ts-expect-error a record written by hand is checked as one: no such gender
  void importRoster(client, [{ firstName: "A", lastName: "B", email: "a@b.org", gender: "Q" }]);
  return (await importRoster(client, records)).failed.length;
}

// importRoster's store and key go together (the runtime refuses one without the other).
async function importWithProgress(client: VomoClient): Promise<number> {
  const store = new MemoryStore();
  const roster = [{ firstName: "A", lastName: "B", email: "a@b.org" }];
  // @ts-expect-error a store needs its key
  void importRoster(client, roster, { store });
  // @ts-expect-error a key needs its store
  void importRoster(client, roster, { key: "nightly" });
  void importRoster(client, roster, { checkpointEvery: 10 });
  return (await importRoster(client, roster, { store, key: "nightly", checkpointEvery: 10 })).created.length;
}

// Removing an import's progress: the same { store, key }, a boolean back.
async function forgetImport(): Promise<boolean> {
  const options: StoredImportBaseUrlOptions = { store: new MemoryStore(), key: "nightly" };
  // @ts-expect-error the key is required
  void importRoster.forget({ store: options.store });
  // @ts-expect-error it resolves to a boolean
  const wrong: Promise<string> = importRoster.forget(options);
  void wrong;
  return importRoster.forget(options);
}

// The simulator's controls as its README lists them.
async function simulatorControls(): Promise<number> {
  const sim = await startSimulator({ port: 0, users: 3 });
  const info: SimulatorInfo = sim.info();
  const config: SimulatorConfig = sim.configure({ perPage: 5 });
  const same: SimulatorConfig = sim.config();
  sim.injectFault({ type: "unauthorized", times: 1 }); // a revoked token
  const unstarted = createSimulator({ users: 1 });
  const notYet: string | null = unstarted.url; // null until listen()
  const mountable: (req: object, res: object) => Promise<void> = (req, res) => unstarted.handle(req, res);
  const quirky: boolean = DEFAULT_QUIRKS.stringHours;
  // Before listen(): origin and info()'s addresses are null too.
  const noOrigin: string | null = unstarted.origin;
  const noInfoUrl: string | null = unstarted.info().url;
  // @ts-expect-error null until listen()
  const originNow: string = unstarted.origin;
  // forbiddenToken: null switches the 403 token off, and reads back as null.
  const no403 = createSimulator({ forbiddenToken: null });
  const off: string | null = no403.forbiddenToken;
  const windowed = await startSimulator({ port: 0, rateLimit: { kind: "fixed-window", requestsPerSecond: 5 } });
  const perWindow: number | undefined = windowed.config().rateLimit?.limit;
  await windowed.close();
  // policy() is frozen, and typed so.
  // @ts-expect-error readonly
  policy().retryableKinds.push("parse");
  // @ts-expect-error readonly
  policy().client.maxRetries = 9;
  console.log(notYet, mountable, quirky, noOrigin, noInfoUrl, originNow, off, perWindow);
  // @ts-expect-error not a fault the simulator has
  sim.injectFault({ type: "teapot" });
  await sim.close();
  return info.users + config.perPage + same.latencyMs;
}

// Import failures name their record's position; a reconciliation says why it stopped.
async function failureRows(client: VomoClient, poller: UserPoller): Promise<number[]> {
  const result = await importRoster(client, [{ firstName: "A", lastName: "B", email: "a@b.org" }]);
  const stopped: VomoError | null = (await poller.reconcile()).error;
  console.log(stopped?.kind, JSON.stringify(stopped?.toJSON()));
  return [...result.failed.map((f) => f.index), ...result.emailChanged.map((c) => c.index)];
}

void main("{}");
void simulatorControls;
void failureRows;
void storedImportApi;
void forgetImport;
void importWithProgress;
void forgetPollerState;
void baseOf;
void skippingStore;
void storedApi;
void parseOnly("{}");
