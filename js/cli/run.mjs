// The `vomo-users` command: finds the command, parses its options with node:util parseArgs
// (global options may come before or after the command), builds the client from the package's
// own public API, runs the command and turns the outcome into an exit code:
// 0 ok; 1 API or runtime error (the error kind on stderr); 2 bad usage (message and usage on
// stderr); 3 not found.
import { parseArgs } from "node:util";
import { readFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { dirname, parse as parsePath, resolve } from "node:path";
import { createRequire } from "node:module";
import { VomoClient, VomoError } from "vomo-users";
import { Output } from "./io.mjs";
import { readableEnv } from "./env.mjs";
import { errorText, quotedArg, requestLine, storeFailed } from "./format.mjs";
import { InputError, UsageError, NotFound, defaultBaseUrl, baseUrl as checkBaseUrl, rate as checkRate } from "./values.mjs";
import { API_OPTIONS, GLOBAL_OPTIONS, commands, usageOf, globalUsage } from "./usage.mjs";

const version = () => createRequire(import.meta.url)("../package.json").version;

/** Options that take a value, of any command (no name is a flag in one and takes a value in another). */
const VALUED = new Set([GLOBAL_OPTIONS, ...Object.values(commands).map((c) => c.options ?? {})]
  .flatMap((options) => Object.entries(options).filter(([, o]) => o.type === "string").map(([n]) => n)));

/** The index of the command name in argv: the first word that is not an option or an option's value. */
function commandIndex(argv) {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") return i + 1 < argv.length ? i + 1 : -1;
    if (!a.startsWith("-") || a === "-") return i;
    const name = a.replace(/^--?/, "").split("=")[0];
    if (!a.includes("=") && VALUED.has(name)) i++;
  }
  return -1;
}

/** parseArgs, with its errors turned into one short UsageError line. */
function parse(args, options, command) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (e) {
    const m = /^Unknown option '([^']+)'/.exec(e.message);
    // `user -5`: a value that starts with a dash reads as an option; after `--` it does not.
    const dashValue = m && /^-\d/.test(m[1]) ? `; a value that starts with "-" goes after --: ${command} -- ${m[1]}` : "";
    if (m) throw new UsageError(`unknown option ${m[1]}${command ? ` for ${command}` : ""}${dashValue}`, command);
    const missing = /^Option '(-\w, )?(--[\w-]+) <value>' argument missing/.exec(e.message);
    if (missing) throw new UsageError(`${missing[2]} needs a value`, command);
    const noArg = /^Option '(-\w, )?(--[\w-]+)' does not take an argument/.exec(e.message);
    if (noArg) throw new UsageError(`${noArg[2]} does not take a value`, command);
    // `--rate -1`: parseArgs will not take a value that starts with a dash as the argument.
    const dash = /^Option '(-\w, )?(--[\w-]+)' argument is ambiguous/.exec(e.message);
    if (dash) throw new UsageError(`${dash[2]} needs a value; to give one that starts with "-", write ${dash[2]}=VALUE`, command);
    throw new UsageError(e.message.split("\n")[0], command);
  }
}

/** The token in the file `--token-file` names, or null (none given, or unreadable: readToken says why where it is needed). */
async function tokenInFile(argv) {
  const at = argv.findIndex((a) => a === "--token-file" || a.startsWith("--token-file="));
  const path = at === -1 ? undefined : argv[at].startsWith("--token-file=") ? argv[at].slice("--token-file=".length) : argv[at + 1];
  if (!path) return null;
  try {
    return (await readFile(path, "utf8")).trim() || null;
  } catch {
    return null;
  }
}

/** The token from --token-file or VOMO_TOKEN; never printed (the output redacts it too). */
async function readToken(values, env, out, command) {
  let token;
  if (values["token-file"] !== undefined) {
    try {
      token = (await readFile(values["token-file"], "utf8")).trim();
    } catch (e) {
      // The value may be the token itself, pasted where its file belongs: named only when it
      // looks like a path to a file that is not there, a '/' with a folder that exists before
      // it (a token may hold a '/', base64's, but not a folder of this machine before it). Not
      // the file system's root: a base64 token can begin with '/' (one in 64; an outside pass
      // had one echoed), and a file right under the root is no common place for a token.
      const path = values["token-file"];
      const folder = resolve(dirname(path));
      const named = /[/\\]/.test(path) && folder !== parsePath(folder).root && existsSync(folder) ? path
        : "the file given (its name is not repeated: it may be the token itself; write ./NAME for a file here)";
      throw new UsageError(`--token-file: cannot read ${named} (${e.code ?? "unreadable"})`, command);
    }
    out.hide(token);
    if (!token) throw new UsageError(`--token-file: ${values["token-file"]} is empty`, command);
  } else {
    token = (env.VOMO_TOKEN ?? "").trim();
    out.hide(env.VOMO_TOKEN);
    if (!token) throw new UsageError("no token: set VOMO_TOKEN or pass --token-file PATH", command);
  }
  out.hide(token);
  return token;
}

/**
 * A 404 from a base URL whose path does not end in /v1 (say `https://api.vomo.org`) is most
 * likely the wrong base URL, not a missing user: the API answers 404 to every unknown route,
 * with a body the docs do not pin down, so the client cannot tell the two apart. Says so.
 */
function wrongBaseHint(e, baseUrl) {
  const notFound = e instanceof NotFound || (e instanceof VomoError && e.kind === "not_found");
  if (!notFound || !baseUrl || new URL(baseUrl).pathname.replace(/\/+$/, "").endsWith("/v1")) return null;
  return `vomo-users: note: --base-url ${baseUrl} does not end in /v1, where the API's routes are (${defaultBaseUrl()}); ` +
    "a wrong base URL gets 404 for every request";
}

/**
 * A refused token that begins and ends with the same quote: most likely quoted where it was
 * kept (docker's --env-file and some .env readers keep the quotes of `VOMO_TOKEN="..."`). The
 * token is sent as given (a quote may be part of one), and this says what to try.
 */
function quotedTokenHint(e, token) {
  if (!(e instanceof VomoError && e.kind === "auth") || !/^(["']).+\1$/s.test(token ?? "")) return null;
  return "vomo-users: note: the token begins and ends with a quote; if they are not part of it (docker's --env-file keeps the quotes of VOMO_TOKEN=\"...\"), pass it without them";
}

/**
 * What the file system said when the state directory's store failed (the package reports a
 * store's failure as kind `network`, its own rule for every store; the thrown error is the
 * `cause`): an operator reading "network error: store.set(...) failed: ENOSPC" was not told
 * that the disk was full, nor that nothing was lost (an outside pass).
 */
const STORE_FAULTS = {
  ENOSPC: "the disk of the state directory is full", EDQUOT: "the disk quota of the state directory is spent",
  EROFS: "the state directory is on a read-only file system", EACCES: "this user may not write the state directory",
  EPERM: "this user may not write the state directory", EIO: "the disk of the state directory failed (EIO)",
};

function stateDirHint(e) {
  const said = e instanceof VomoError && storeFailed(e) ? STORE_FAULTS[e.cause?.code] : undefined;
  return said && `vomo-users: note: ${said}${e.cause.path ? ` (${e.cause.path})` : ""}; mend that and run the same command again: `
    + "what was delivered or sent stays saved, and the rest comes again";
}

/**
 * What Node's fetch said of a connection that failed (its cause's code, which the package's
 * message carries in parentheses: "GET /v1/users: fetch failed (ECONNREFUSED)"). The message
 * names the request's path alone; an operator with a mistyped port was not told which host
 * and port were tried (an outside pass).
 */
const CONNECT_FAULTS = {
  ECONNREFUSED: (at) => `nothing accepts connections at ${at}`, ENOTFOUND: (at) => `the host name of ${at} does not resolve`,
  EAI_AGAIN: (at) => `the host name of ${at} could not be resolved (a DNS failure, perhaps for now)`,
  ECONNRESET: (at) => `the connection was reset by ${at}`, UND_ERR_SOCKET: (at) => `the connection was closed by ${at}`,
  EHOSTUNREACH: (at) => `no route to ${at}`, ENETUNREACH: (at) => `no route to ${at}`,
  ETIMEDOUT: (at) => `the connection timed out to ${at}`, UND_ERR_CONNECT_TIMEOUT: (at) => `the connection timed out to ${at}`,
};

function networkHint(e, baseUrl) {
  if (!(e instanceof VomoError && e.kind === "network") || storeFailed(e) || !baseUrl) return null;
  const code = / \(([A-Z][A-Z0-9_]+)\)/.exec(String(e.message))?.[1] ?? "";
  const url = new URL(baseUrl);
  const at = `${url.hostname}:${url.port || (url.protocol === "https:" ? "443" : "80")}`;
  const said = CONNECT_FAULTS[code]?.(at) ?? (/CERT|SSL|TLS/.test(code)
    ? `the TLS handshake with ${at} failed (${code})${/WRONG_VERSION/.test(code) ? ", as with a server that speaks http://, not https://" : ""}`
    : `no answer came from ${at}`);
  return `vomo-users: note: ${said} (--base-url ${baseUrl}); check the URL (or VOMO_BASE_URL) and that the server is running and reachable from here`;
}

function reportError(e, out, command, baseUrl = null, token = null) {
  // e.cliHint: a command's own note on how to get past this error.
  const hints = [wrongBaseHint(e, baseUrl), quotedTokenHint(e, token), stateDirHint(e), networkHint(e, baseUrl),
    typeof e?.cliHint === "string" ? e.cliHint : null].filter(Boolean);
  const code = exitCodeFor(e, out, command);
  for (const hint of hints) out.err(hint);
  return code;
}

function exitCodeFor(e, out, command) {
  if (e instanceof UsageError) {
    out.err(`vomo-users: ${e.message}`);
    if (e instanceof InputError) return 2;
    out.err("");
    out.err(e.command ?? command ? usageOf(e.command ?? command) : globalUsage());
    return 2;
  }
  if (e instanceof NotFound) {
    out.err(`vomo-users: not found: ${e.message}`);
    return 3;
  }
  if (e instanceof VomoError) {
    // A 404 other than "no such user" (say, a base URL without /v1) is an API error: exit 1.
    // The package refused a value (an option's, a roster's, a store's): the message alone,
    // with where the options are, not the whole usage above it.
    if (e.kind === "invalid_input") {
      out.err(`vomo-users: invalid input: ${e.message}`);
      out.err(`(vomo-users ${command ? `${command} ` : ""}--help lists the options)`);
      return 2;
    }
    out.err(`vomo-users: ${errorText(e)}`);
    if (e.fields) for (const [field, messages] of Object.entries(e.fields)) out.err(`  ${field}: ${[].concat(messages).join("; ")}`);
    return 1;
  }
  out.err(`vomo-users: runtime error: ${e?.message ?? e}`);
  return 1;
}

const SHOWN_WARNINGS = 10;
/** A warning about one record of a response (`GET /v1/users?page=3: data[5] (user 4211): ...`):
 *  a listing of dirty data has one per user, so these are the ones cut to SHOWN_WARNINGS. */
const aboutOneRecord = (w) => /^[A-Z]+ \S+: data\[\d+\]/.test(w);

/**
 * The client's warnings, each once, on stderr: those not yet printed (`printed` counts them),
 * so that a long-running command (poll --every) may print them as they come, and the end
 * prints the rest. Of the warnings about one record, at most SHOWN_WARNINGS and the count of
 * those left out; every other one (a listing that changed while it was read, a duplicate
 * email, ...) is printed whatever came before it.
 */
function printWarnings(warnings, out, printed, end) {
  const list = [...warnings].slice(printed.count);
  for (const w of list) {
    if (!aboutOneRecord(w)) out.err(`warning: ${w}`);
    else if (printed.shown < SHOWN_WARNINGS) out.err(`warning: ${w}`), printed.shown++;
    else printed.cut++;
  }
  printed.count += list.length;
  if (end && printed.cut > 0) out.err(`warning: ... and ${printed.cut} more about one user each`);
}

/**
 * Runs the command line `argv` (without node and the script); resolves to the exit code.
 * `io` may replace stdout, stderr and env (tests, the vomo-sim alias).
 */
export async function run(argv, { stdout = process.stdout, stderr = process.stderr, env: rawEnv = process.env } = {}) {
  const env = readableEnv(rawEnv);
  const out = new Output({ stdout, stderr, env });
  const warnings = new Set();
  let name = null;
  let apiBase = null; // the base URL the command talks to, for the hint on a 404
  let token = null; // the token the client was given, for the hint on a quoted one
  let muted = 0; // ctx.quietly calls under way
  const printed = { count: 0, shown: 0, cut: 0 }; // of `warnings`, by printWarnings
  try {
    // Hidden from the first line on (a usage error may quote an argument where the token was
    // pasted), but for `sim` and `demo`, which print their simulator's own token: a VOMO_TOKEN
    // left in the shell from an earlier sim is that token, and `jq -r .token` must get it.
    // One the runtime will not let the command read (Deno without --allow-env) cannot be
    // printed either: the command fails on it only where it needs it (readToken).
    const ownToken = ["sim", "demo"].includes(argv[commandIndex(argv)]);
    if (!ownToken) {
      try {
        out.hide(env.VOMO_TOKEN);
      } catch {
        // refused (env.mjs): not readable, so not printable
      }
      // And the token of --token-file, read now (again by readToken where it is needed): the
      // same token pasted as an argument must not come back in a usage error either.
      out.hide(await tokenInFile(argv));
    }
    const at = commandIndex(argv);
    if (at === -1) {
      const { values } = parse(argv, GLOBAL_OPTIONS, null);
      if (values.version) return out.line(version()), 0;
      if (values.help) return out.line(globalUsage()), 0;
      throw new UsageError("no command given");
    }
    name = argv[at];
    if (name === "help") { // `vomo-users help [command]`, as gh and git have it
      const topic = argv[at + 1];
      if (topic === undefined || topic === "--help" || topic === "-h") return out.line(globalUsage()), 0;
      if (!commands[topic]) throw new UsageError(`unknown command ${quotedArg(topic)}`);
      return out.line(usageOf(topic)), 0;
    }
    const command = commands[name];
    if (!command) {
      const n = name;
      name = null;
      throw new UsageError(`unknown command ${quotedArg(n)}`);
    }
    const before = argv[at - 1] === "--" ? argv.slice(0, at - 1) : argv.slice(0, at);
    const rest = [...before, ...argv.slice(at + 1)];
    const { values, positionals } = parse(rest, { ...GLOBAL_OPTIONS, ...command.options }, name);
    out.json = Boolean(values.json);
    if (values.help) return out.line(usageOf(name)), 0;
    // sim and demo run their own simulator: an API's address, token or rate given to them
    // would be ignored without a word.
    const unused = command.api ? undefined : API_OPTIONS.find((o) => values[o] !== undefined);
    if (unused) throw new UsageError(`${name}: --${unused} is for the commands that call an API; ${name} runs its own simulator`, name);
    if (values.version) return out.line(version()), 0;
    const [min, max] = command.positionals ?? [0, 0];
    if (positionals.length < min) throw new UsageError(`${name}: missing ${command.positionalName}`, name);
    if (positionals.length > max) throw new UsageError(`${name}: unexpected argument ${quotedArg(positionals[max])}`, name);

    // Only the commands that talk to the API look at the base URL (sim and demo do not).
    // An empty VOMO_BASE_URL counts as unset, as an empty VOMO_TOKEN does (CI exports empty variables).
    const resolvedBaseUrl = command.api ? checkBaseUrl(values["base-url"] ?? (env.VOMO_BASE_URL || undefined) ?? defaultBaseUrl()) : null;
    apiBase = resolvedBaseUrl;
    const rps = values.rate !== undefined ? checkRate(values.rate) : undefined;
    const ctx = {
      name, values, positionals, out, env, baseUrl: resolvedBaseUrl,
      /** Checks the command's own options before any token or network is needed. */
      options: command.check ? command.check(values, positionals) : {},
      /** A VomoClient for the base URL, with the token; built on first use. */
      client: async () => {
        token = await readToken(values, env, out, name);
        return new VomoClient({ token, baseUrl: resolvedBaseUrl, ...(rps !== undefined ? { requestsPerSecond: rps } : {}),
          ...(values.verbose ? { log: (entry) => out.err(requestLine(entry)) } : {}),
          // Parse coercions, unknown enum values, ...: each once, on stderr at the end.
          onWarning: (m) => { if (muted === 0) warnings.add(String(m)); } });
      },
      /** Prints the warnings that came since the last call (poll --every, after each poll). */
      printWarnings: () => printWarnings(warnings, out, printed, false),
      /** Runs `fn` with the client's warnings dropped: a request made for the command's own
       *  sake (state.mjs's first page), whose users the command itself reads again. */
      quietly: async (fn) => {
        muted++;
        try {
          return await fn();
        } finally {
          muted--;
        }
      },
    };
    const code = await command.run(ctx);
    return code ?? 0;
  } catch (e) {
    return reportError(e, out, name, apiBase, token);
  } finally {
    printWarnings(warnings, out, printed, true);
    await out.flush();
  }
}
