// A Rust panic inside an async task traps the wasm inside the microtask that
// wasm-bindgen-futures queued to run its tasks. Nothing catches a throw there: Node ends the
// process ("uncaught exception") before the façade can turn the trap into a VomoError of
// kind `internal`, and browsers and workerd report it as an unhandled error. This rewrites the
// one place the main glue queues that microtask so that the task runs inside a try: a
// `WebAssembly.RuntimeError` goes to the handler the façade installs (`setTrapHandler`,
// js/facade/errors.mjs), which rejects the calls still waiting; anything else, or a trap
// before the façade has installed one, is thrown as before.
// wasm-bindgen has no hook for this (the queue is wasm-bindgen-futures' own), so the build
// edits its output, and fails when the output no longer has the expected call.
import { readFileSync, writeFileSync } from "node:fs";

const QUEUED = "queueMicrotask(arg0);";

const GUARD = `
// vomo-users (scripts/task-trap-guard.mjs): the async task queue's runs, guarded.
let vomoTrapHandler = null;
export function setTrapHandler(handler) {
    vomoTrapHandler = handler;
}
function vomoRunTask(task) {
    try {
        task();
    } catch (e) {
        if (vomoTrapHandler === null || !(e instanceof WebAssembly.RuntimeError)) throw e;
        vomoTrapHandler(e);
    }
}
`;

export function guardTaskTraps(file) {
  const text = readFileSync(file, "utf8");
  const found = text.split(QUEUED).length - 1;
  if (found !== 1) {
    throw new Error(`${file}: expected "${QUEUED}" once (wasm-bindgen-futures' task queue), found it ${found} times; ` +
      "update scripts/task-trap-guard.mjs for this wasm-bindgen");
  }
  writeFileSync(file, text.replace(QUEUED, "queueMicrotask(() => vomoRunTask(arg0));") + GUARD);
}
