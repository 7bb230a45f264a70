// Whether a thrown value is a runtime's permission refusal, not a fault of the file system or
// the network: Deno's `NotCapable` (`PermissionDenied` before 2.0), Node's permission model's
// `ERR_ACCESS_DENIED`. The package's one rule for it in JS (the .wasm's read, FileStore, the
// command's environment); the client's requests have theirs in src/web/fetch.rs.
export const permissionRefused = (e) => e?.name === "NotCapable" || e?.name === "PermissionDenied" || e?.code === "ERR_ACCESS_DENIED";
