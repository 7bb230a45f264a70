// `instanceof` for a class the package ships in more than one copy: `import` and `require`
// load different files (index.mjs / index.cjs, stores/index.mjs / stores/index.cjs), and the
// browser and Node builds each hold one, so `error instanceof VomoError` or `store instanceof
// FileStore` failed for a value another copy made. Every copy marks its prototype with one
// registered symbol, and `instanceof` asks for the mark. A subclass keeps the ordinary rule.
// `name` is given and set, since a bundler renames a class that refers to itself (esbuild:
// `class _VomoError`), and Node prints an error by its constructor's name.
export function markClass(Class, name) {
  const mark = Symbol.for(`vomo-users.${name}`);
  Object.defineProperty(Class.prototype, mark, { value: true });
  Object.defineProperty(Class, Symbol.hasInstance, {
    value(value) {
      if (this !== Class) return Function.prototype[Symbol.hasInstance].call(this, value);
      return value != null && typeof value === "object" && value[mark] === true;
    },
  });
  Object.defineProperty(Class, "name", { value: name });
}
