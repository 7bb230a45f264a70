// Structured logs: one JSON object per line, `{"msg": ..., "at": ..., ...fields}`, which
// Workers Logs (observability) indexes field by field. Callers never pass a token.
export function log(msg: string, fields: Record<string, unknown>): void {
  console.log(JSON.stringify({ msg, at: new Date().toISOString(), ...fields }));
}
