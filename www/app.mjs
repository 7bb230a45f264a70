// The admin page's script: plain ES modules over the package's browser entry.
import init, { parseUserPage } from "../pkg/browser.mjs";

// The simulator's default token (a test credential, not a secret); override with ?token=.
const SIM_TOKEN = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ2b21vLXNpbSIsIm9yZyI6InNpbXVsYXRvciIsImlhdCI6MTcwMDAwMDAwMH0.c2ltdWxhdGVkLXNpZ25hdHVyZS1ub3QtdmVyaWZpZWQ";

// A GET /users body in the live wire format, quirks included.
const DEMO_PAGE = {
  data: [
    { id: 12345, first_name: "Bruce", last_name: "Wayne", full_name: "Bruce Wayne",
      email: "bruce@wayneenterprises.com", phone: "(555) 012-0105", address: null, birthday: "1972-02-19",
      gender: "M", created_at: "2025-11-04T08:00:00+00:00", updated_at: "2025-11-04T08:00:00+00:00",
      user_status: "VERIFIED", membership_status: "ACCEPTED", membership_role: "VOLUNTEER" },
    { id: "12346", first_name: "Selina", last_name: "Kyle", full_name: "Selina Kyle",
      email: "selina@example.org", phone: "", birthday: null, gender: "f",
      created_at: "2025-11-04T08:00:00.000000Z", updated_at: "2025-11-06T12:30:00Z",
      user_status: "SUSPENDED", membership_status: "PENDING", membership_role: "COORDINATOR" },
  ],
  links: { first: "https://api.vomo.org/v1/users?page=1", last: "null", prev: "null", next: null },
  meta: { current_page: "1", from: "1", to: "2", path: "https://api.vomo.org/v1/users", per_page: "15", total: "2" },
};

const $ = (id) => document.getElementById(id);

function cell(value) {
  const td = document.createElement("td");
  if (value === null) { td.className = "null"; td.textContent = "null"; } else td.textContent = String(value);
  return td;
}

function render(page, source) {
  $("source").textContent = source;
  const rows = page.data.map((u) => {
    const tr = document.createElement("tr");
    for (const v of [u.id, u.fullName, u.email, u.phone, u.gender, u.updatedAt, u.userStatus]) tr.append(cell(v));
    return tr;
  });
  $("users").tBodies[0].replaceChildren(...rows);
  $("meta").textContent = `page ${page.meta.currentPage}, ${page.data.length} of ${page.meta.total} users`;
  $("warnings").replaceChildren(...page.warnings.map((w) => Object.assign(document.createElement("li"), { textContent: w })));
  $("status").textContent = `ready: ${page.data.length} users parsed`;
}

async function main() {
  await init();
  const params = new URLSearchParams(location.search);
  const sim = params.get("sim");
  if (sim) {
    const res = await fetch(`${sim.replace(/\/$/, "")}/users`, {
      headers: { Authorization: `Bearer ${params.get("token") ?? SIM_TOKEN}`, Accept: "application/json" },
    });
    if (!res.ok) throw new Error(`GET ${sim}/users: HTTP ${res.status}`);
    render(parseUserPage(await res.text()), `simulator: ${sim}`);
  } else {
    render(parseUserPage(DEMO_PAGE), "built-in demo page");
  }
}

main().catch((e) => {
  $("status").textContent = `error: ${e.kind ? `[${e.kind}] ` : ""}${e.message}`;
  console.error(e);
});
