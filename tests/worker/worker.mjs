// A tiny Worker that imports the package by name. Bundled by workerd.test.mjs with the
// workerd export conditions; __FIXTURE_PAGE__ is the list-page fixture text, inlined.
import init, { parseUserPage, VomoError } from "vomo-users";

export default {
  async fetch(request, env) {
    await init();
    const page = parseUserPage(__FIXTURE_PAGE__);
    const out = {
      fixture: { ids: page.data.map((u) => u.id), prev: page.links.prev, total: page.meta.total,
                 phone: page.data[1].phone, warnings: page.warnings.length },
    };
    try {
      parseUserPage("not json");
    } catch (e) {
      out.error = { isVomoError: e instanceof VomoError, isError: e instanceof Error, kind: e.kind, message: e.message };
    }
    const sim = new URL(request.url).searchParams.get("sim");
    if (sim) {
      try {
        const res = await fetch(`${sim}/users`, { headers: { Authorization: `Bearer ${env.SIM_TOKEN}` } });
        const live = parseUserPage(await res.text());
        out.sim = { status: res.status, count: live.data.length, total: live.meta.total, firstId: live.data[0]?.id };
      } catch (e) {
        out.sim = { error: String(e) };
      }
    }
    return Response.json(out);
  },
};
