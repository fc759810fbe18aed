// The last lines llama.cpp logged, so that a failed load can say why (node-llama-cpp's own error is only "Failed to load model").
const lines: string[] = [];

export function recordLlamaLog(level: string, message: string): void {
  if (level !== 'error' && level !== 'warn') return;
  const text = message.trim();
  if (!text) return;
  lines.push(text);
  if (lines.length > 20) lines.shift();
}

/** Takes the lines logged so far (and forgets them): called right after a failed load. */
export function takeLlamaLog(): string[] {
  return lines.splice(0, lines.length);
}
