// The extension's package.json contributions, generated: settings from the zod RunConfig schema, plus commands, menus, views.
// scripts/gen-manifest.ts writes them into package.json; test/extension/manifest.test.ts fails when they drift.
import { z } from 'zod';
import { RunConfig } from '../config/schema';
import { SETTING_KEYS, settingId, type SettingKey } from './settings';

type Json = { [k: string]: unknown };

const SETTING_DOCS: Record<SettingKey, { order: number; markdownDescription: string; restricted: boolean }> = {
  base: {
    order: 1, restricted: true,
    markdownDescription:
      'The **base model** π_base — your reference (SFT) model, served by an OpenAI-compatible `/v1/completions` endpoint (vLLM works best). Transfer Q* stays close to this model and only moves away from it where the reward says so.\n\nExample: `{ "baseUrl": "http://localhost:8000/v1", "model": "my-sft-model" }`. Keys go in **Transfer Q*: Set API Key…**, never here.',
  },
  baseline: {
    order: 2, restricted: true,
    markdownDescription:
      'The **baseline model** ρ_BL — an already-aligned model (for example a DPO model) that proposes candidate tokens and writes the rollouts that estimate Q̂. Same shape as `#tqstar.base#`; it must share the base model\'s tokenizer.',
  },
  reward: {
    order: 3, restricted: true,
    markdownDescription:
      'The **target reward** r(x, y) the output is aligned to. `kind` picks the source: `vllm-pooling` / `vllm-classify` (a vLLM reward model), `tei`, `openrlhf`, `http-json` (any JSON endpoint), `judge` (an LLM judge over HTTP), `vscode-lm` (a VS Code chat model such as Copilot as the judge — asks for your consent once), `builtin` (no server: `sentiment`, `keyword`, `regex`, `length`), or `sum` of several.\n\nExample: `{ "kind": "vllm-pooling", "baseUrl": "http://localhost:8002", "model": "my-reward-model" }`.',
  },
  baselineReward: {
    order: 4, restricted: true,
    markdownDescription:
      'Only for **indirect transfer** (`#tqstar.decoding#` → `"transfer": "indirect"`): the reward r_BL the baseline was aligned to, when it differs from `#tqstar.reward#`. Leave empty to use the baseline\'s implicit DPO reward (log ρ_BL − log π_base).',
  },
  decoding: {
    order: 5, restricted: false,
    markdownDescription:
      'How Transfer Q* decodes. The main knobs: `topK` candidates per token, `rollouts` N per candidate and their `horizon` H (more = better Q̂, slower), and `alpha` — how far the reward may pull the output away from the base model (0 = the base model\'s own choice). Every field is optional; hover a field in settings.json for its meaning.',
  },
  strategies: {
    order: 6, restricted: false,
    markdownDescription:
      'The strategies every run decodes side by side, ranked by reward in the results panel (Transfer Q* always runs first). **Compare Strategies** lets you pick another set for one run. Fewer strategies finish sooner.',
  },
};

const ENUM_DOCS: Record<string, Record<string, string>> = {
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
};

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** Adapts zod's JSON Schema to what VS Code's settings validation understands, and adds enum descriptions. */
function forSettings(node: unknown, defs: Record<string, unknown>, propName: string | undefined, seen: Set<string>): unknown {
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

export function configurationContribution(): Json {
  const schema = z.toJSONSchema(RunConfig, { io: 'input', unrepresentable: 'any' }) as Json;
  const defs = (schema.$defs ?? {}) as Record<string, unknown>;
  const props = schema.properties as Record<SettingKey, Json>;
  const properties: Json = {};
  for (const key of SETTING_KEYS) {
    const { description: _d, ...rest } = forSettings(props[key], defs, key === 'strategies' ? 'strategy' : key, new Set()) as Json;
    const doc = SETTING_DOCS[key];
    // Object settings without a schema default: VS Code's own default for type object is {} (read as "not set").
    // Markdown: the star of "Q*" would open emphasis ("Transfer Q: Set API Key…*" in the Settings UI).
    const value: Json = { ...rest, markdownDescription: doc.markdownDescription.replaceAll('Q*', 'Q\\*'), order: doc.order, scope: 'resource' };
    if (value.type === undefined) value.type = 'object';
    if (value.type === 'object' && value.default === undefined) value.default = {};
    properties[settingId(key)] = value;
  }
  return { title: 'Transfer Q*', properties };
}

const CATEGORY = 'Transfer Q*';
export const COMMANDS: Array<{ command: string; title: string; icon?: string; enablement?: string }> = [
  { command: 'tqstar.generateFromSelection', title: 'Generate from Selection' },
  { command: 'tqstar.generateFromPrompt', title: 'Generate from Prompt…' },
  { command: 'tqstar.compareStrategies', title: 'Compare Strategies' },
  { command: 'tqstar.cancel', title: 'Cancel Run', enablement: 'tqstar.running' },
  { command: 'tqstar.openPanel', title: 'Open Results Panel' },
  { command: 'tqstar.testConnections', title: 'Test Connections' },
  { command: 'tqstar.setApiKey', title: 'Set API Key…' },
  { command: 'tqstar.clearApiKey', title: 'Clear API Key' },
  { command: 'tqstar.tryDemo', title: 'Try the Demo' },
  { command: 'tqstar.clearHistory', title: 'Clear History', icon: '$(clear-all)' },
  { command: 'tqstar.evaluate', title: 'Evaluate on Prompt Set…' },
];

export function contributes(): Json {
  return {
    commands: COMMANDS.map((c) => ({ ...c, category: CATEGORY })),
    menus: {
      'editor/context': [{ command: 'tqstar.generateFromSelection', when: 'editorTextFocus && !editorReadonly', group: '9_tqstar@1' }],
      'view/title': [{ command: 'tqstar.clearHistory', when: 'view == tqstar.history', group: 'navigation' }],
      commandPalette: [{ command: 'tqstar.cancel', when: 'tqstar.running' }],
    },
    keybindings: [{ command: 'tqstar.generateFromSelection', key: 'ctrl+alt+enter', mac: 'cmd+alt+enter', when: 'editorTextFocus && editorHasSelection' }],
    viewsContainers: { activitybar: [{ id: 'tqstar', title: 'Transfer Q*', icon: 'media/activitybar.svg' }] },
    views: { tqstar: [{ type: 'webview', id: 'tqstar.history', name: 'Run History' }] },
    configuration: configurationContribution(),
  };
}

export function capabilities(): Json {
  return {
    untrustedWorkspaces: {
      supported: 'limited',
      description: 'In an untrusted workspace, the endpoint and reward settings come from your user settings only, so a workspace cannot send your prompts or keys elsewhere.',
      restrictedConfigurations: SETTING_KEYS.filter((k) => SETTING_DOCS[k].restricted).map(settingId),
    },
    virtualWorkspaces: true,
  };
}

// Contributed commands and views activate the extension themselves (VS Code ≥ 1.74); the serializer needs its event.
export const ACTIVATION_EVENTS = ['onWebviewPanel:tqstar.results'];
