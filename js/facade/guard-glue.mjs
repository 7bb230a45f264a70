// The glue as a façade sees it before its .wasm is known to be loaded: each of the glue's
// functions and classes first runs `check()`, which throws the VomoError that says why not
// (a Proxy, so that `new`, static members and instanceof still work). Used by the browser
// entries until `init()` and by the Node entries when the .wasm could not be read.

/** `glue` with every function and class checked by `check()` before it runs. */
export function guardGlue(glue, check) {
  return Object.fromEntries(Object.entries(glue).map(([name, value]) => [name,
    typeof value !== "function" ? value : new Proxy(value, {
      apply(target, self, args) { check(); return Reflect.apply(target, self, args); },
      construct(target, args, newTarget) { check(); return Reflect.construct(target, args, newTarget); },
    })]));
}
