// Diagnostic flags a candidate carries from what the server sent.

/** What the backend did to a candidate's top-k entry: merged same-text entries (text-only servers), a rounding above 0 read as 0. */
export function topEntryFlags(t: { merged?: number; rounded?: number }): string[] {
  const out: string[] = [];
  if (t.merged) out.push(`top-k: ${t.merged} server entries with this text were merged (their probabilities summed)`);
  if (t.rounded !== undefined) out.push(`top-k: the server sent log-probability ${t.rounded} (> 0, a rounding), read as 0`);
  return out;
}
