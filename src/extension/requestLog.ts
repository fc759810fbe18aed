// The one-line format of a request in the "Transfer Q*" log: role, method, URL, status, time — never a key.
export function formatRequestLine(l: { role: string; method: string; url: string; status: number | string; ms: number }): string {
  return `${l.role} ${l.method} ${l.url} → ${l.status} (${Math.round(l.ms)} ms)`;
}
