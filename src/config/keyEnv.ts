// The environment variables a config names as API keys (`apiKeyEnv`), and where each would be sent. A run
// exported for sharing comes from elsewhere: its apiKeyEnv fields are not used unless the user allows it.

export interface KeyEnvUse {
  /** Where in the config: "base", "reward", "reward.terms.1". */
  path: string;
  variable: string;
  /** The hosts of the endpoint's baseUrl (host:port), or "its endpoint" when it has none. */
  hosts: string[];
}

function hostsOf(baseUrl: unknown): string[] {
  const urls = Array.isArray(baseUrl) ? baseUrl : [baseUrl];
  return urls.flatMap((u) => {
    if (typeof u !== 'string') return [];
    try {
      return [new URL(u).host];
    } catch {
      return [JSON.stringify(u)];
    }
  });
}

/** Every apiKeyEnv in a raw (not yet validated) config, at any depth. */
export function keyEnvUses(raw: unknown, path = ''): KeyEnvUse[] {
  if (!raw || typeof raw !== 'object') return [];
  const out: KeyEnvUse[] = [];
  const o = raw as Record<string, unknown>;
  if ('apiKeyEnv' in o && !Array.isArray(raw)) out.push({ path: path || '(top level)', variable: String(o.apiKeyEnv), hosts: hostsOf(o.baseUrl) });
  for (const [k, v] of Object.entries(o)) if (k !== 'apiKeyEnv' && v && typeof v === 'object') out.push(...keyEnvUses(v, path ? `${path}.${k}` : k));
  return out;
}

/** A copy of a raw config with every apiKeyEnv removed. */
export function withoutKeyEnvs<T>(raw: T): T {
  if (Array.isArray(raw)) return raw.map((v) => withoutKeyEnvs(v)) as T;
  if (!raw || typeof raw !== 'object') return raw;
  return Object.fromEntries(Object.entries(raw as Record<string, unknown>).filter(([k]) => k !== 'apiKeyEnv').map(([k, v]) => [k, withoutKeyEnvs(v)])) as T;
}

/** "base.apiKeyEnv names SOME_SECRET, which would go to host:port". */
export function describeKeyEnvUse(u: KeyEnvUse): string {
  return `${u.path}.apiKeyEnv names the environment variable ${u.variable}, whose value would be sent as the API key to ${u.hosts.length ? u.hosts.join(', ') : 'its endpoint'}`;
}
