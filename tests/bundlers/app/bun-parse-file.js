// bun-file.js for an app that only parses: vomo-users/parse's .wasm imported as a file.
import init from "vomo-users/parse";
import wasm from "vomo-users/parse/web/vomo_users_parse_bg.wasm" with { type: "file" };

await init(new URL(wasm, import.meta.url));
await import("./parse-node.js");
