// A Worker that imports only `vomo-users/parse`. Bundled by parse.test.mjs with the workerd
// export conditions; __INPUTS__ is a list of [function name, input], inlined.
import init, { parseUserPage, parseUserDetail, parseUser, VomoError } from "vomo-users/parse";

const api = { parseUserPage, parseUserDetail, parseUser };

export default {
  async fetch() {
    await init();
    const results = __INPUTS__.map(([fn, input]) => api[fn](input));
    let error = null;
    try {
      parseUserDetail({ data: { id: 1 } });
    } catch (e) {
      error = { isVomoError: e instanceof VomoError, isError: e instanceof Error, kind: e.kind, message: e.message };
    }
    return Response.json({ results, error });
  },
};
