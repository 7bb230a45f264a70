// Node, ES modules: re-exports the CommonJS build, so `import` and `require` share one
// wasm instance and one VomoError class.
import api from "./index.cjs";

export const { VomoError, /* @PUBLIC_NAMES@ */ } = api;
export default api.init;
