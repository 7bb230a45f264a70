// A poll of customer "held" into a FileStore at STATE_DIR, run under Deno by runtimes.test.mjs
// and killed while it holds the customer's lease (the server stalls its first request).
import { VomoClient, UserPoller } from "vomo-users";
import { FileStore } from "vomo-users/stores/file";
import process from "node:process";

const { STATE_DIR, VOMO_SIM_URL, VOMO_SIM_TOKEN } = process.env;
const client = new VomoClient({ token: VOMO_SIM_TOKEN, baseUrl: VOMO_SIM_URL, requestsPerSecond: 1000 });
await new UserPoller({ client, store: new FileStore(STATE_DIR), customerId: "held", onUser() {} }).poll();
