// `--sweep KEY=v1,v2,…`: parsing, the crossed grid of decoding settings, and which settings each strategy actually uses.
import { STRATEGY_NAMES, type DecodingParams, type DecodingParamsInput, type StrategyName } from '../config/schema';
import { parseDecodingParams } from '../core/params';

export interface Sweep {
  /** A decoding key, dotted for nested ones (speed.skipMass). */
  key: string;
  /** Only this strategy's points are swept ("tqstar:alpha=1,2"); absent: every strategy that reads the key. */
  strategy?: StrategyName;
  values: (number | string | boolean)[];
}

/** Short names a user types for the usual knobs (the paper's k, N, H, α; Best-of-N's N; ARGS's w; blockwise's K, m). */
export const SWEEP_ALIASES: Record<string, string> = {
  k: 'topK',
  N: 'rollouts',
  H: 'horizon',
  est: 'estimator',
  kl: 'klBudget',
  gate: 'gate.by',
  alloc: 'allocation.kind',
  alpha: 'alpha',
  bon: 'bestOfN',
  w: 'argsWeight',
  K: 'blockCandidates',
  m: 'blockSize',
  lambda: 'selectionTemperature',
  ckpt: 'checkpointTokens',
  keep: 'keepFraction',
};

function parseValue(s: string): number | string | boolean {
  if (s === 'true' || s === 'false') return s === 'true';
  const n = Number(s);
  return s.trim() !== '' && Number.isFinite(n) ? n : s;
}

/**
 * "alpha=1,4,8" → {key: 'alpha', values: [1, 4, 8]}; "bon:bestOfN=4,16" sweeps Best-of-N's points only.
 * The strategy, the key and every value are checked against the schema.
 */
export function parseSweep(spec: string, base: DecodingParamsInput = {}): Sweep {
  const eq = spec.indexOf('=');
  if (eq <= 0) throw new Error(`--sweep ${JSON.stringify(spec)}: expected [STRATEGY:]KEY=v1,v2,…`);
  let raw = spec.slice(0, eq).trim();
  let strategy: StrategyName | undefined;
  const colon = raw.indexOf(':');
  if (colon >= 0) {
    const name = raw.slice(0, colon);
    if (!(STRATEGY_NAMES as readonly string[]).includes(name)) throw new Error(`--sweep ${spec}: unknown strategy "${name}" (expected one of ${STRATEGY_NAMES.join(', ')})`);
    strategy = name as StrategyName;
    raw = raw.slice(colon + 1);
  }
  const key = SWEEP_ALIASES[raw] ?? raw;
  const values = spec
    .slice(eq + 1)
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean)
    .map(parseValue);
  if (!values.length) throw new Error(`--sweep ${raw}: no values`);
  for (const v of values) parseDecodingParams(withKey(base, key, v));
  if (strategy && !KEYS_USED[strategy].includes(key)) throw new Error(`--sweep ${spec}: ${strategy} does not read ${key} (it reads ${KEYS_USED[strategy].join(', ')})`);
  return strategy ? { key, values, strategy } : { key, values };
}

/** A copy of the decoding input with one (possibly dotted) key set. */
export function withKey(input: DecodingParamsInput, key: string, value: unknown): DecodingParamsInput {
  const parts = key.split('.');
  const out: Record<string, unknown> = { ...(input as Record<string, unknown>) };
  let at = out;
  for (let i = 0; i < parts.length - 1; i++) {
    const next = { ...((at[parts[i]!] as Record<string, unknown> | undefined) ?? {}) };
    at[parts[i]!] = next;
    at = next;
  }
  at[parts[parts.length - 1]!] = value;
  return out as DecodingParamsInput;
}

/** Every combination of the sweeps' values (one empty combination without sweeps). */
export function crossSweeps(sweeps: readonly Sweep[]): Record<string, number | string | boolean>[] {
  let grid: Record<string, number | string | boolean>[] = [{}];
  for (const s of sweeps) grid = grid.flatMap((g) => s.values.map((v) => ({ ...g, [s.key]: v })));
  return grid;
}

const WHOLE = ['maxTokens', 'stop'];
const SAMPLER = [...WHOLE, 'bestOfN', 'bestOfNModel'];
const VALUE_GUIDED = [
  ...WHOLE,
  'topK', 'alpha', 'horizon', 'rollouts', 'rolloutTemperature', 'proposer', 'selection', 'selectionTemperature', 'transfer', 'indirectWeights', 'beta', 'betaBaseline',
  'speed.reuseRollouts', 'speed.skipMass', 'speed.coverMass', 'speed.blockAccept', 'speed.blockMargin',
  'speed.baseTopLookup', 'speed.speculate', 'speed.speculateDepth', 'speed.extendReused',
  'estimator', 'contenders', 'strength', 'scaledAlpha', 'klBudget', 'gate.by', 'gate.minEntropy', 'gate.maxTop1',
  'allocation.kind', 'allocation.firstRound', 'allocation.round', 'allocation.confidence',
];

/**
 * Keys that came after answers were committed (bench/eval): in a point's identity only when set away from
 * their default, so that a point at the defaults keeps the key it had and earlier runs still resume.
 */
const LATE_DEFAULTS: Record<string, unknown> = {
  'speed.baseTopLookup': true,
  'speed.speculate': 0,
  'speed.speculateDepth': 1,
  'speed.extendReused': false,
  // The estimator, strength, gate and allocation options: at these values TQ* is the method as it was before them.
  estimator: 'rollouts',
  contenders: 3,
  strength: 'alpha',
  scaledAlpha: 1,
  klBudget: 0.1,
  'gate.by': 'none',
  'gate.minEntropy': 1,
  'gate.maxTop1': 0.9,
  'allocation.kind': 'fixed',
  'allocation.firstRound': 2,
  'allocation.round': 2,
  'allocation.confidence': 0.95,
};

/** The decoding keys a strategy reads (src/core/strategies/*): a sweep over any other key does not re-run it. */
export const KEYS_USED: Record<StrategyName, readonly string[]> = {
  tqstar: VALUE_GUIDED,
  cd: VALUE_GUIDED.filter((k) => !['proposer', 'transfer', 'indirectWeights', 'betaBaseline', 'beta'].includes(k)),
  args: [...WHOLE, 'topK', 'argsWeight', 'selection', 'selectionTemperature'],
  bon: SAMPLER,
  softbon: [...SAMPLER, 'selectionTemperature'],
  blockwise: [...WHOLE, 'blockSize', 'blockCandidates', 'rolloutTemperature'],
  specrej: [...SAMPLER, 'checkpointTokens', 'keepFraction'],
  smc: [...SAMPLER, 'checkpointTokens', 'selectionTemperature', 'selection'],
  greedy: WHOLE,
  sample: WHOLE,
  baseline: WHOLE,
};

export function getKey(p: DecodingParams, key: string): unknown {
  let at: unknown = p;
  for (const part of key.split('.')) at = (at as Record<string, unknown> | undefined)?.[part];
  return at;
}

/** The settings of `p` that `strategy` reads, as a canonical object (the identity of a point on the plots). */
export function usedSettings(strategy: StrategyName, p: DecodingParams): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of KEYS_USED[strategy]) {
    const v = getKey(p, k);
    if (k in LATE_DEFAULTS && v === LATE_DEFAULTS[k]) continue;
    out[k] = v;
  }
  return out;
}
