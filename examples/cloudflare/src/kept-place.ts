// A reconcile's kept place (the package's `resume`: about 2 bytes a user listed) in the
// customer's storage, split into parts of at most PART_CHARS characters. One storage value
// holds at most 2 MB (128 KiB on the key-value backend), which a place kept whole passed at
// about 900,000 users (an outside pass: 195,112 bytes at 100,000); the call that kept it
// failed, and so did every later one. The parts and their head are written in one
// transaction, so a place is read back whole or, after a release that kept it as one value,
// as that value.

const HEAD = "ops/reconcile-resume";
/** Characters a part: under 128 KiB even at two bytes a character. */
export const PART_CHARS = 60_000;
/** Keys one get, put or delete takes. */
const BATCH = 128;

interface Head {
  parts: number;
  chars: number;
}

const partKeys = (from: number, to: number) => Array.from({ length: Math.max(0, to - from) }, (_, i) => `${HEAD}/${from + i}`);
const batches = <T>(items: T[]) => Array.from({ length: Math.ceil(items.length / BATCH) }, (_, i) => items.slice(i * BATCH, (i + 1) * BATCH));
const partsOf = (head: unknown) => (typeof head === "object" && head !== null && typeof (head as Head).parts === "number" ? (head as Head).parts : 0);

/** The kept place, or undefined when none is kept (or a part is missing: start over). */
export async function readKeptPlace(storage: DurableObjectStorage): Promise<string | undefined> {
  const head = await storage.get<string | Head>(HEAD);
  if (typeof head === "string") return head; // kept whole, by a release before the split
  const parts = partsOf(head);
  if (parts === 0) return undefined;
  const text: string[] = [];
  for (const keys of batches(partKeys(0, parts))) {
    const got = await storage.get<string>(keys);
    for (const key of keys) text.push(got.get(key) ?? "");
  }
  const place = text.join("");
  return place.length === (head as Head).chars ? place : undefined;
}

/** Keeps `place` in parts, replacing the place kept before (its extra parts removed). */
export async function keepPlace(storage: DurableObjectStorage, place: string): Promise<void> {
  await storage.transaction(async (txn) => {
    const before = partsOf(await txn.get(HEAD));
    const parts = Math.ceil(place.length / PART_CHARS);
    const entries = partKeys(0, parts).map((key, i) => [key, place.slice(i * PART_CHARS, (i + 1) * PART_CHARS)] as const);
    for (const batch of batches<readonly [string, unknown]>([[HEAD, { parts, chars: place.length }], ...entries])) {
      await txn.put(Object.fromEntries(batch));
    }
    for (const keys of batches(partKeys(parts, before))) await txn.delete(keys);
  });
}

/** Drops the kept place, parts and all. */
export async function forgetPlace(storage: DurableObjectStorage): Promise<void> {
  await storage.transaction(async (txn) => {
    const before = partsOf(await txn.get(HEAD));
    for (const keys of batches([HEAD, ...partKeys(0, before)])) await txn.delete(keys);
  });
}
