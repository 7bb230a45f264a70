// docs/bundlers.md's recipe for `bun build` (every target, and the one `--compile` needs): the
// .wasm imported as a file, which Bun emits (or embeds) and names, handed to init(); then the
// Node app runs as it is.
import init from "vomo-users";
import wasm from "vomo-users/web/vomo_users_bg.wasm" with { type: "file" };

await init(new URL(wasm, import.meta.url));
await import("./node.js");
