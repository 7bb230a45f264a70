// A misspelt option would be ignored without a word (a test given `user: 5` gets 500 users,
// one given `rateLimit: { requestsPerSecond: 10, bursts: 1 }` a bucket of 10, not of 1), so
// every options object of the simulator is held to its list of names here.

export function refuseUnknown(given, known, who) {
  for (const key of Object.keys(given ?? {})) {
    if (!known.includes(key)) throw new Error(`${who}: unknown option ${JSON.stringify(key)}; the options are ${known.join(", ")}`);
  }
}
