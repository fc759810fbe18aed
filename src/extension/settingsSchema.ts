// The settings' JSON schema, derived from the zod RunConfig: the object settings as VS Code understands them, and one typed flat setting per scalar field.
// Pure (no vscode): read by the manifest generator and by the settings reader, so both agree on which flat settings exist.
import { z } from 'zod';
import { RunConfig } from '../config/schema';

export type Json = { [k: string]: unknown };

export const SETTING_KEYS = ['base', 'baseline', 'reward', 'baselineReward', 'decoding', 'strategies'] as const;
export type SettingKey = (typeof SETTING_KEYS)[number];
export const settingId = (key: SettingKey | string) => `tqstar.${key}`;

/** The object settings whose scalar fields also exist as flat settings `tqstar.<key>.<field>`. */
export const FLAT_GROUPS = ['base', 'baseline', 'reward', 'baselineReward', 'decoding'] as const;
export type FlatGroup = (typeof FLAT_GROUPS)[number];
const REWARD_GROUPS: ReadonlySet<string> = new Set(['reward', 'baselineReward']);
export const isRewardGroup = (g: string) => REWARD_GROUPS.has(g);

export const ENUM_DOCS: Record<string, Record<string, string>> = {
  strategy: {
    tqstar: 'Transfer Q*: candidates from the baseline, Q̂ from baseline rollouts, next token ∝ π_base·exp(α·Q̂).',
    args: 'ARGS: log π_base + w·reward of the partial text; no rollouts (fast).',
    cd: 'Controlled decoding: like TQ* but with rollouts from the base model.',
    bon: 'Best-of-N: N full responses, keep the highest reward.',
    blockwise: 'Blockwise best-of-K: K blocks of m tokens, keep the best block, repeat.',
    greedy: 'The base model alone, greedy.',
    sample: 'The base model alone, sampled.',
    baseline: 'The aligned baseline model alone (the "DPO" row of the paper).',
    softbon: 'Soft Best-of-N: N full responses, keep one drawn with probability ∝ exp(reward/λ), λ = selectionTemperature.',
    specrej: 'Early-pruned Best-of-N (speculative rejection): N answers scored every checkpointTokens tokens, the best keepFraction continued.',
    smc: 'SMC / particle filter: N answers grown checkpointTokens at a time, resampled by exp(Δreward/λ), λ = selectionTemperature.',
  },
  proposer: { baseline: 'Top-k of the aligned baseline (the paper).', base: 'Top-k of the base model.', union: 'Both top-k lists together.' },
  selection: { greedy: 'Take the best combined score (deterministic).', sample: 'Sample from π_base·exp(α·Q̂).' },
  transfer: { direct: 'The baseline was aligned to this same reward: Q̂ is the mean rollout reward.', indirect: 'The baseline was aligned to another reward: importance-weighted Q̂.' },
  indirectWeights: { 'baseline-reward': 'Weights from the reward in tqstar.baselineReward.', implicit: 'Weights from the DPO implicit reward log ρ_BL − log π_base.' },
  bestOfNModel: { base: 'Sample the N responses from the base model.', baseline: 'Sample them from the baseline model.' },
  dialect: { auto: 'Detect the server.', vllm: 'vLLM (all features).', sglang: 'SGLang.', llamacpp: 'llama.cpp llama-server.', ollama: 'Ollama (string prompts; re-tokenisation is flagged).', openai: 'Hosted OpenAI-compatible API (top-5 logprobs, no scoring).' },
  promptTemplate: { raw: 'The prompt as it is.', chatml: 'ChatML (<|im_start|>…).', llama3: 'Llama 3 chat template.', mistral: 'Mistral [INST] template.', zephyr: 'Zephyr <|user|> template.' },
  name: { sentiment: 'Positive sentiment of the response (AFINN word list).', keyword: 'Counts the words in `pattern`.', regex: 'Matches of the regular expression in `pattern`.', length: 'Closeness to `target` characters.', tabular: 'The tabular test reward (for the reference server).' },
  mode: { score: 'Ask the judge for a number.', 'yes-probability': 'Use the judge\'s probability of answering "yes".' },
  estimator: {
    rollouts: 'Q̂ = the mean reward of N baseline rollouts per candidate (the paper).',
    implicit: 'Q̂ = betaBaseline·(log ρ_BL − log π_base): no rollouts, no reward calls (direct transfer).',
    hybrid: 'The implicit value picks the best `contenders` candidates; rollouts value only them.',
  },
  strength: {
    alpha: 'α as given (its meaning depends on the reward\'s scale).',
    spread: 'α = scaledAlpha / the spread of the rewards seen so far (scale-free).',
    kl: 'At each step the α whose policy is klBudget nats from π_base (scale-free).',
  },
  by: { none: 'Steer every step.', entropy: 'Steer where the proposer\'s top-k entropy ≥ minEntropy.', top1: 'Steer where the proposer\'s top-1 share < maxTop1.' },
  kind: {
    '': 'Not set here (use the JSON form of the setting, or pick a kind).',
    'vllm-pooling': 'A vLLM reward model, /pooling.',
    'vllm-classify': 'A vLLM sequence classifier, /classify.',
    'vllm-score': 'A vLLM cross-encoder reward model, /score (prompt and response as a text pair).',
    tei: 'Hugging Face Text Embeddings Inference, /rerank or /predict.',
    openrlhf: 'An OpenRLHF reward server, /get_reward.',
    'http-json': 'Any JSON endpoint (request template and response path).',
    judge: 'An LLM judge over /chat/completions.',
    builtin: 'No server: sentiment, keyword, regex, length.',
    'vscode-lm': 'A VS Code chat model (e.g. Copilot) as the judge.',
    sum: 'A weighted sum of several rewards (JSON form only).',
    fixed: 'N rollouts for every candidate.',
    sequential: 'Rollouts in rounds, only for candidates that can still change the choice (greedy selection).',
  },
};

/** Descriptions for schema fields that have none of their own (the flat settings all need one). */
const FIELD_DOCS: Record<string, string> = {
  dialect: 'Which server this is; "auto" measures its capabilities with a few tiny requests.',
  promptTemplate: 'How the prompt is wrapped before it is sent: raw, chatml, llama3, mistral, zephyr, or a custom template with {prompt}.',
  timeoutMs: 'Time limit of one request, in milliseconds.',
  kind: 'Which reward source scores the output.',
  model: 'Model name as the server knows it.',
  baseUrl: 'The server URL.',
  mode: 'How the judge\'s answer becomes a score.',
  vendor: 'VS Code chat model vendor, e.g. "copilot".',
  family: 'VS Code chat model family, e.g. "gpt-4o".',
  instruction: 'Judge instruction; {prompt} and {response} are substituted.',
  apiKeyEnv: 'Environment variable holding the API key (CLI). In VS Code use "Set API Key…".',
};

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** Adapts zod's JSON Schema to what VS Code's settings validation understands, and adds enum descriptions. */
export function forSettings(node: unknown, defs: Record<string, unknown>, propName: string | undefined, seen: Set<string>): unknown {
  if (Array.isArray(node)) return node.map((n) => forSettings(n, defs, propName, seen));
  if (!node || typeof node !== 'object') return node;
  let o = { ...(node as Json) };
  if (typeof o.$ref === 'string') {
    const name = o.$ref.replace('#/$defs/', '');
    const { $ref: _ref, ...rest } = o;
    // A reward inside a "sum" is a reward again: one level is spelt out, deeper ones are plain objects.
    if (seen.has(name)) return { type: 'object', description: 'A reward configuration, as in tqstar.reward.', ...rest };
    o = { ...(defs[name] as Json), ...rest };
    seen = new Set([...seen, name]);
  }
  const out: Json = {};
  for (const [k, v] of Object.entries(o)) {
    if (k === '$schema' || k === '$defs' || k === 'format') continue;
    if (k === 'maximum' && v === MAX_SAFE) continue;
    if (k === 'minimum' && v === -MAX_SAFE) continue;
    if (k === 'oneOf') { out.anyOf = forSettings(v, defs, propName, seen); continue; }
    if (k === 'properties') {
      out.properties = Object.fromEntries(Object.entries(v as Json).map(([pk, pv]) => [pk, forSettings(pv, defs, pk, seen)]));
      continue;
    }
    out[k] = forSettings(v, defs, k === 'items' ? propName : undefined, seen);
  }
  if (o.type === 'integer' && o.exclusiveMinimum === 0) { delete out.exclusiveMinimum; out.minimum = 1; }
  if (Array.isArray(o.enum) && propName && ENUM_DOCS[propName]) out.enumDescriptions = (o.enum as string[]).map((e) => ENUM_DOCS[propName]![e] ?? '');
  return out;
}

/** The RunConfig's top-level properties, adapted for settings. */
export function settingsProperties(): Record<SettingKey, Json> {
  const schema = z.toJSONSchema(RunConfig, { io: 'input', unrepresentable: 'any' }) as Json;
  const defs = (schema.$defs ?? {}) as Record<string, unknown>;
  const props = schema.properties as Record<SettingKey, Json>;
  return Object.fromEntries(SETTING_KEYS.map((k) => [k, forSettings(props[k], defs, k === 'strategies' ? 'strategy' : k, new Set()) as Json])) as Record<SettingKey, Json>;
}

export interface FlatSetting {
  /** e.g. tqstar.decoding.budget.maxModelTokens */
  id: string;
  group: FlatGroup;
  /** The field's path inside the group's object, e.g. ['budget', 'maxModelTokens']. */
  path: string[];
  /** The VS Code settings schema of this one field. */
  schema: Json;
  /** Reward groups: the reward kinds that have this field. */
  kinds?: string[];
}

const SCALARS = new Set(['string', 'number', 'integer', 'boolean']);
const anchored = (p: string) => `^(?:${p})$`;

/**
 * One field as a flat setting, or null when it has no scalar form (a free JSON value, a list of
 * objects): those stay in the object setting. Unions of strings become one string with a pattern;
 * a URL-or-list-of-URLs becomes the single URL (replicas: the object setting).
 */
function leaf(field: Json, required: boolean): Json | null {
  let f: Json = { ...field };
  if (Array.isArray(f.anyOf)) {
    const branches = (f.anyOf as Json[]).filter((b) => SCALARS.has(b.type as string));
    if (!branches.length) return null;
    const { anyOf: _a, ...rest } = f;
    // The list form (replica URLs) has no typed setting: it stays in the JSON form.
    if (branches.length < (f.anyOf as Json[]).length && typeof rest.description === 'string') rest.description = `${rest.description.replace(/ \(a list for replicas\)/, '')} A list of replica URLs goes in the JSON form of this setting.`;
    if (branches.length === 1) f = { ...rest, ...branches[0] };
    else if (branches.every((b) => b.type === 'string')) {
      const pattern = branches.map((b) => (Array.isArray(b.enum) ? anchored((b.enum as string[]).map(escapeRe).join('|')) : typeof b.pattern === 'string' ? b.pattern : '.*')).join('|');
      f = { ...rest, type: 'string', pattern };
    } else return null;
  }
  const type = f.type as string;
  if (type === 'array') {
    const items = (f.items ?? {}) as Json;
    return SCALARS.has(items.type as string) ? f : null;
  }
  if (!SCALARS.has(type)) return null;
  if (f.default !== undefined || f.const !== undefined) return f;
  // No schema default: strings read "" as not set (VS Code's own default for a string), numbers are nullable.
  if (type === 'string') {
    const { minLength: _m, ...rest } = f;
    const out: Json = { ...rest, default: '' };
    if (typeof f.pattern === 'string') out.pattern = `^$|${f.pattern}`;
    if (Array.isArray(f.enum)) out.enum = ['', ...(f.enum as string[])];
    if (Array.isArray(f.enumDescriptions)) out.enumDescriptions = ['Not set.', ...(f.enumDescriptions as string[])];
    void required;
    return out;
  }
  return { ...f, type: [type, 'null'], default: null };
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function describe(name: string, f: Json): string {
  return (f.description as string | undefined) ?? FIELD_DOCS[name] ?? name;
}

function objectLeaves(group: FlatGroup, obj: Json, prefix: string[], out: FlatSetting[]): void {
  const props = (obj.properties ?? {}) as Record<string, Json>;
  const required = new Set((obj.required ?? []) as string[]);
  for (const [name, field] of Object.entries(props)) {
    if (field.type === 'object' && field.properties) { objectLeaves(group, field, [...prefix, name], out); continue; }
    const l = leaf(field, required.has(name));
    if (!l) continue;
    const path = [...prefix, name];
    out.push({ id: settingId([group, ...path].join('.')), group, path, schema: { ...l, description: describe(name, l) } });
  }
}

/** A reward's flat settings: `kind` as an enum of every kind, then each field any kind has, saying which kinds use it. */
function rewardLeaves(group: FlatGroup, reward: Json, out: FlatSetting[]): void {
  const variants = ((reward.anyOf ?? []) as Json[]).filter((v) => v.type === 'object');
  const kindOf = (v: Json) => ((v.properties as Record<string, Json>).kind?.const as string);
  const kinds = variants.map(kindOf);
  out.push({
    id: settingId(`${group}.kind`), group, path: ['kind'], kinds,
    schema: { type: 'string', enum: ['', ...kinds], enumDescriptions: ['', ...kinds].map((k) => ENUM_DOCS.kind![k] ?? ''), default: '', description: FIELD_DOCS.kind },
  });
  const fields = new Map<string, FlatSetting>();
  for (const v of variants) {
    const required = new Set((v.required ?? []) as string[]);
    for (const [name, field] of Object.entries(v.properties as Record<string, Json>)) {
      if (name === 'kind') continue;
      const have = fields.get(name);
      if (have) { have.kinds!.push(kindOf(v)); continue; }
      const l = leaf(field, required.has(name));
      if (!l) continue;
      fields.set(name, { id: settingId(`${group}.${name}`), group, path: [name], kinds: [kindOf(v)], schema: { ...l, description: describe(name, l) } });
    }
  }
  for (const f of fields.values()) {
    f.schema = { ...f.schema, description: `${f.schema.description as string} (${f.kinds!.length === kinds.length ? 'every kind' : `kind ${f.kinds!.join(', ')}`})` };
    out.push(f);
  }
}

let cached: FlatSetting[] | undefined;

/** Every flat setting, in settings order, derived from the schema (a new scalar field in the schema is a new setting). */
export function flatSettings(): FlatSetting[] {
  if (cached) return cached;
  const props = settingsProperties();
  const out: FlatSetting[] = [];
  for (const g of FLAT_GROUPS) {
    if (isRewardGroup(g)) rewardLeaves(g, props[g], out);
    else objectLeaves(g, props[g], [], out);
  }
  cached = out;
  return out;
}
