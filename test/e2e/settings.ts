// Owns turning a RunConfig (as the reference server's demoRunConfig gives it) into tqstar.* user settings.
import type { RunConfigInput } from '../../src/config/schema';

export function settingsFor(config: RunConfigInput): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) if (value !== undefined) out[`tqstar.${key}`] = value;
  return out;
}

/** A loopback port nothing listens on: bound by the OS, then released. */
export async function closedPort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
