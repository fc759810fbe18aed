// Diagnostic flags a candidate carries from what the server sent.

/** A candidate whose top-k entry merged several server entries of the same text (text-only servers: see backends/topList.ts). */
export function mergedFlags(t: { merged?: number }): string[] {
  return t.merged ? [`top-k: ${t.merged} server entries with this text were merged (their probabilities summed)`] : [];
}
