// The docs travel and hold (issue 10, item 5), checked against the installed package:
// - every ```js runnable example of docs/api.md, import.md, client.md, stores.md and poller.md
//   runs as a user would run it (a module next to the installed package, against the
//   simulator) and prints exactly its `// -> ` lines; a ```js runnable continued block is
//   appended to the example before it (one program, as the doc tells the reader);
// - every relative link in README.md, CHANGELOG.md and docs/*.md resolves to a file that is
//   in the packed tarball (and every #anchor to a heading of it); nothing shipped points
//   outside the package (../shared);
// - the reference names every public export, every error kind with the core's retryable
//   answer, and the core's defaults (`policy()`).
import test from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { policy } from "vomo-users";
import { publicNames } from "./helpers.mjs";

const installed = join(process.cwd(), "node_modules/vomo-users");
const read = (path) => readFileSync(join(installed, path), "utf8");
const version = JSON.parse(read("package.json")).version;

/** Every file of the installed package, relative to its root (what the tarball held). */
function packageFiles(dir = installed) {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? packageFiles(full) : [relative(installed, full)];
  });
}

/**
 * ```js runnable blocks with their expected output lines. A ```js runnable continued block is
 * appended to the program before it, so a doc's chain of blocks runs as one program.
 */
function runnableBlocks(markdown) {
  const programs = [];
  for (const [, continued, code] of markdown.matchAll(/```js runnable( continued)?\n([\s\S]*?)```/g)) {
    if (continued) {
      assert.ok(programs.length > 0, `a continued block with no example before it: ${code.split("\n")[0]}`);
      programs.at(-1).code += code;
      programs.at(-1).blocks++;
    } else {
      programs.push({ code, blocks: 1, title: code.split("\n")[0] });
    }
  }
  return programs.map((p) => ({
    ...p,
    expected: [...p.code.matchAll(/\/\/ -> (.*)$/gm)].map((x) => x[1].trim()),
    title: p.blocks > 1 ? `${p.title} (and the ${p.blocks - 1} blocks that continue it)` : p.title,
  }));
}

/** `…` in an expected line matches any text. */
const matches = (line, expected) =>
  new RegExp(`^${expected.split("…").map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`).test(line);

/**
 * Runs `code` as a module next to the installed package (so that "vomo-users" resolves as it
 * does for a user), in an empty working directory of its own, and checks that it prints
 * exactly the `expected` lines.
 */
function runProgram(code, expected, title) {
  assert.ok(expected.length > 0, `${title} states its output`);
  const file = join(process.cwd(), `doc-example-${process.pid}.mjs`);
  const cwd = mkdtempSync(join(tmpdir(), "vomo-doc-example-"));
  writeFileSync(file, code);
  try {
    const out = execFileSync(process.execPath, [file], { cwd, encoding: "utf8", timeout: 60_000 }).trimEnd().split("\n");
    assert.equal(out.length, expected.length, `${title} printed:\n${out.join("\n")}`);
    out.forEach((line, j) => assert.ok(matches(line, expected[j]),
      `${title}, line ${j + 1}:\n  printed  ${line}\n  expected ${expected[j]}`));
  } finally {
    rmSync(file, { force: true });
    rmSync(cwd, { recursive: true, force: true });
  }
}

/** Runs each runnable example of `doc`; returns how many blocks they were made of. */
function runExamples(doc) {
  const examples = runnableBlocks(read(doc));
  examples.forEach((example, i) => runProgram(example.code, example.expected, `${doc}, example ${i + 1} (${example.title})`));
  return examples.reduce((n, e) => n + e.blocks, 0);
}

/** The plain ```js block of `doc` (a fragment, not runnable as is) whose first line is `first`. */
function fragment(doc, first) {
  const found = [...read(doc).matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]).filter((code) => code.startsWith(first));
  assert.equal(found.length, 1, `${doc}: one \`\`\`js block starting ${first}`);
  return found[0];
}

// How many ```js blocks of each doc run as they are, so that one losing its marker fails. The
// others are fragments the doc says it cannot run as is (a page, a Worker, a real token):
// those that can run here are composed below with what they need.
const RUNNABLE_BLOCKS = { "docs/api.md": 9, "docs/import.md": 1, "docs/client.md": 11, "docs/stores.md": 4, "docs/poller.md": 1, "sim/README.md": 1 };
for (const [doc, count] of Object.entries(RUNNABLE_BLOCKS)) {
  test(`docs: every runnable example of ${doc} runs against the installed package and prints what it says`, () => {
    assert.equal(runExamples(doc), count, `${doc}: runnable blocks`);
  });
}

/** GitHub's heading anchors. */
function anchors(markdown) {
  const seen = new Map();
  return new Set(markdown.replace(/```[\s\S]*?```/g, "").split("\n").filter((l) => /^#{1,6} /.test(l)).map((l) => {
    const slug = l.replace(/^#+ /, "").trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, "").replace(/\s/g, "-");
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    return n ? `${slug}-${n}` : slug;
  }));
}

test("every relative link in README.md, CHANGELOG.md and docs/*.md resolves inside the packed tarball", () => {
  const files = new Set(packageFiles());
  const docs = ["README.md", "CHANGELOG.md", ...[...files].filter((f) => /^docs\/[^/]+\.md$/.test(f))];
  for (const doc of ["README.md", "CHANGELOG.md", "docs/api.md", "docs/client.md", "docs/poller.md", "docs/import.md", "docs/stores.md"]) {
    assert.ok(files.has(doc), `${doc} is in the tarball`);
  }
  let checked = 0;
  for (const doc of docs) {
    const text = read(doc);
    const prose = text.replace(/```[\s\S]*?```/g, "");
    for (const [, link] of prose.matchAll(/\]\(([^)\s]+)\)/g)) {
      // The packaged README links to this version's files on unpkg (the npm page has no
      // repository to resolve relative links against): each must be a file of the tarball.
      const shipped = `https://unpkg.com/vomo-users@${version}/`;
      const target = link.startsWith(shipped) ? link.slice(shipped.length) : link;
      if (doc === "README.md" && !link.startsWith(shipped) && !/^[a-z]+:/i.test(link) && !link.startsWith("#")) {
        assert.fail(`README.md: ${link} is relative; on the npm page it would not resolve`);
      }
      if (/^[a-z]+:/i.test(target)) continue; // other absolute URLs
      const [path, anchor] = target.split("#");
      const file = path ? relative(installed, resolve(installed, dirname(doc), path)) : doc;
      assert.ok(!file.startsWith(".."), `${doc}: ${target} points outside the package`);
      assert.ok(files.has(file), `${doc}: ${target} -> ${file} is not in the tarball`);
      if (anchor && file.endsWith(".md")) {
        assert.ok(anchors(read(file)).has(anchor), `${doc}: ${target}: no heading #${anchor} in ${file}`);
      }
      checked++;
    }
  }
  assert.ok(checked >= 20, `links checked: ${checked}`);
});

test("nothing shipped links to or mentions the team's ../shared folder", () => {
  for (const file of packageFiles().filter((f) => /\.(md|mjs|cjs|js|d\.ts|d\.mts|json)$/.test(f))) {
    assert.doesNotMatch(read(file), /\.\.\/shared|shared\/API\.md/, file);
  }
});

test("docs/api.md names every public export, every error kind (with the core's retryable answer) and the core's defaults", () => {
  const api = read("docs/api.md");
  for (const name of [...publicNames(), "VomoError", "init"]) {
    assert.match(api, new RegExp(`^#{2,4} .*\`${name}\\b`, "m"), `a heading for ${name}`);
  }
  const p = policy();
  const kindRows = [...api.matchAll(/^\| `([a-z_]+)` \| (yes|no) \|/gm)].map((m) => [m[1], m[2] === "yes"]);
  assert.deepEqual(kindRows.map(([k]) => k), p.errorKinds, "the error table lists exactly the core's kinds, in order");
  for (const [kind, retryable] of kindRows) assert.equal(retryable, p.retryableKinds.includes(kind), kind);
  const defaults = {
    baseUrl: p.client.baseUrl, requestsPerSecond: p.client.requestsPerSecond, maxRetries: p.client.maxRetries,
    maxRetryAfterMs: p.client.maxRetryAfterMs, timeoutMs: p.client.timeoutMs, participations: p.poller.participations,
    pollIntervalMs: p.poller.pollIntervalMs, maxAttempts: p.poller.maxAttempts, retryForMs: p.poller.retryForMs,
    windowMarginMs: p.poller.windowMarginMs, maxWindowRows: p.poller.maxWindowRows,
    maxConsecutiveFailures: p.poller.maxConsecutiveFailures, maxDeadLetters: p.poller.maxDeadLetters,
  };
  // importRoster's options: its section of docs/api.md and its interface in index.d.ts (it has
  // a maxConsecutiveFailures of its own).
  const importDefaults = { checkpointEvery: p.import.checkpointEvery, maxConsecutiveFailures: p.import.maxConsecutiveFailures };
  const dts = read("index.d.ts");
  const cut = (text, start, end) => {
    const from = text.indexOf(start);
    const to = text.indexOf(end, from + start.length);
    assert.ok(from >= 0 && to > from, `${start} ... ${end}`);
    return [text.slice(from, to), text.slice(0, from) + text.slice(to)];
  };
  const [importApi, otherApi] = cut(api, "### `importRoster(", "\n### ");
  const [importDts, otherDts] = cut(dts, "export interface ImportRosterRunOptions", "\n}");
  for (const [docs, types, values] of [[otherApi, otherDts, defaults], [importApi, importDts, importDefaults]]) {
    for (const [option, value] of Object.entries(values)) {
      const row = docs.match(new RegExp(`^\\| \`${option}\` \\| ([^|]*) \\|`, "m"));
      assert.ok(row, `an options row for ${option}`);
      assert.equal(row[1].trim(), `\`${JSON.stringify(value)}\``, `${option}'s documented default`);
      // The .d.ts doc comments state defaults too: the same values.
      const comments = [...types.matchAll(new RegExp(`/\\*\\*((?:[^*]|\\*(?!/))*)\\*/\\s*${option}\\?:`, "g"))];
      const stated = comments.map((c) => c[1].match(/default ("[^"]*"|\d+)/i)?.[1]).filter(Boolean);
      assert.deepEqual(stated, [JSON.stringify(value)], `index.d.ts: ${option}'s default`);
    }
  }
  for (const event of ["UserChangeEvent", "ParticipationChangeEvent", "DeadLetterEvent", "RequestLogEntry", "ImportProgress"]) {
    assert.ok(api.includes(event), event);
  }
});

test("CHANGELOG.md ships and has an entry for this version", () => {
  assert.match(read("CHANGELOG.md"), new RegExp(`^## ${version.replaceAll(".", "\\.")}\\b`, "m"));
  assert.ok(existsSync(join(installed, "docs/api.md")));
});

// Fragments of the docs, composed with what they need (a simulator in place of the live API,
// a Web Storage or KV namespace of plain Maps where Node has none) and run as above.
const SIM = `import { startSimulator } from "vomo-users/sim";\nconst sim = await startSimulator({ users: 5 });\n`;
const MAP_STORAGE = "const items = new Map();\n"
  + "Object.defineProperty(globalThis, \"localStorage\", { configurable: true, value: { getItem: (k) => items.get(k) ?? null,\n"
  + "  setItem: (k, v) => void items.set(k, String(v)), removeItem: (k) => void items.delete(k) } });\n";

test("docs/stores.md: the LocalStorageStore page example polls into the storage it is given, under its prefix", () => {
  const code = SIM + MAP_STORAGE + "const { token, url: baseUrl } = sim;\nconst rendered = [];\nconst render = (kind, user) => rendered.push(`${kind} ${user.id}`);\n"
    + fragment("docs/stores.md", "import init, { VomoClient, UserPoller } from \"vomo-users\";\nimport { LocalStorageStore }")
    + "console.log(rendered.length, items.size > 0, [...items.keys()].every((k) => k.startsWith(\"my-app:vomo-users/v1/acme/\")));\n"
    + "await sim.close();\n";
  runProgram(code, ["5 true true"], "docs/stores.md, the LocalStorageStore example");
});

test("docs/stores.md: the KvStore example writes and reads back through a KV namespace, under its prefix", () => {
  const code = "const kv = new Map();\nconst env = { KV: { get: async (k) => kv.get(k) ?? null, put: async (k, v) => void kv.set(k, v),\n"
    + "  delete: async (k) => void kv.delete(k) } };\nconst report = { processed: 3 };\n"
    + fragment("docs/stores.md", "import { KvStore }")
    + "console.log(last, [...kv.keys()]);\n";
  runProgram(code, [`{"processed":3} [ 'vomo/last-poll-report' ]`], "docs/stores.md, the KvStore example");
});

test("docs/poller.md: the adapter sketches each carry a poll's state to the next poll", () => {
  const poll = (store) => `(await new UserPoller({ client, store: ${store}, customerId: "acme", onUser() {} }).poll()).processed`;
  const code = SIM + MAP_STORAGE + "import { VomoClient, UserPoller } from \"vomo-users\";\n"
    + "const client = new VomoClient({ token: sim.token, baseUrl: sim.url, requestsPerSecond: 50 });\n"
    + "const storage = new Map(), ns = new Map();\nconst doStorage = { get: async (k) => storage.get(k), put: async (k, v) => void storage.set(k, v) };\n"
    + "const kvNamespace = { get: async (k) => ns.get(k) ?? null, put: async (k, v) => void ns.set(k, v) };\n"
    + fragment("docs/poller.md", "// Node: a file per store")
    + `console.log(${poll("fileStore(\"state.json\")")}, ${poll("fileStore(\"state.json\")")});\n`
    + `console.log(${poll("localStore")}, ${poll("localStore")}, items.size > 0);\n`
    + `console.log(${poll("doStore(doStorage)")}, ${poll("doStore(doStorage)")}, storage.size > 0);\n`
    + `console.log(${poll("kvStore(kvNamespace)")}, ${poll("kvStore(kvNamespace)")}, ns.size > 0);\n`
    + "await sim.close();\n";
  runProgram(code, ["5 0", "5 0 true", "5 0 true", "5 0 true"], "docs/poller.md, the store adapters");
});
