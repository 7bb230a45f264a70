// The docs/bundlers.md recipe for Vite: the dev server's dependency pre-bundling moves the
// package's code away from its .wasm, so it is left out of pre-bundling.
export default { optimizeDeps: { exclude: ["vomo-users"] } };
