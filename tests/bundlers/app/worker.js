// The Worker app wrangler builds: parses the fixture page inside workerd.
import { parseUserPage, VomoError } from "vomo-users";
import page from "./page.json";

export default {
  async fetch() {
    let error = null;
    try {
      parseUserPage("{ not json");
    } catch (e) {
      error = { isVomoError: e instanceof VomoError, kind: e.kind };
    }
    return Response.json({ ids: parseUserPage(page).data.map((u) => u.id), error });
  },
};
