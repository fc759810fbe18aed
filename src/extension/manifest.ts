// The extension's package.json contributions, generated: settings from the zod RunConfig schema, plus commands, menus, views.
// scripts/gen-manifest.ts writes them into package.json; test/extension/manifest.test.ts fails when they drift.
import { FLAT_GROUPS, SETTING_KEYS, flatSettings, settingId, settingsProperties, type FlatSetting, type Json, type SettingKey } from './settingsSchema';

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
      'The **target reward** r(x, y) the output is aligned to. `kind` picks the source: `vllm-pooling` / `vllm-classify` / `vllm-score` (a vLLM reward model; `vllm-score` for a cross-encoder), `tei`, `openrlhf`, `http-json` (any JSON endpoint), `judge` (an LLM judge over HTTP), `vscode-lm` (a VS Code chat model such as Copilot as the judge — asks for your consent once), `builtin` (no server: `sentiment`, `keyword`, `regex`, `length`), or `sum` of several.\n\nExample: `{ "kind": "vllm-pooling", "baseUrl": "http://localhost:8002", "model": "my-reward-model" }`.',
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

/** The Settings UI's sections, in order; each flat setting lands in the first whose test it passes. */
const SECTIONS: Array<{ id: string; title: string; has: (f: FlatSetting) => boolean }> = [
  { id: 'models', title: 'Models', has: (f) => f.group === 'base' || f.group === 'baseline' },
  { id: 'reward', title: 'Reward', has: (f) => f.group === 'reward' },
  { id: 'decoding', title: 'Decoding', has: (f) => f.group === 'decoding' && f.path.length === 1 },
  { id: 'budget', title: 'Budget and Speed', has: (f) => f.group === 'decoding' },
  { id: 'indirect', title: 'Indirect Transfer', has: (f) => f.group === 'baselineReward' },
];

const ROLE_TITLES: Record<string, string> = { base: 'Base model π_base', baseline: 'Baseline model ρ_BL', reward: 'Target reward r', baselineReward: 'Baseline reward r_BL (indirect transfer only)', decoding: 'Decoding (every strategy)' };

// Markdown: the star of "Q*" would open emphasis ("Transfer Q: Set API Key…*" in the Settings UI).
const md = (s: string) => s.replaceAll('Q*', 'Q\\*');

/** Lower bounds the Settings UI checks where the schema leaves them open (a negative seed or ARGS weight is never meant). */
const UI_MINIMUM: Record<string, number> = { 'tqstar.decoding.seed': 0, 'tqstar.decoding.argsWeight': 0 };

function flatProperty(f: FlatSetting, order: number): Json {
  const { description, ...schema } = f.schema;
  const min = UI_MINIMUM[f.id];
  return { ...schema, ...(min !== undefined && schema.minimum === undefined ? { minimum: min } : {}), markdownDescription: md(`**${ROLE_TITLES[f.group]}** — ${description as string}`), order, scope: 'resource' };
}

function objectProperty(key: SettingKey, props: Record<SettingKey, Json>): Json {
  const { description: _d, ...rest } = props[key];
  const doc = SETTING_DOCS[key];
  const flat = (FLAT_GROUPS as readonly string[]).includes(key)
    ? `\n\nAdvanced: the JSON form of the typed \`tqstar.${key}.*\` settings (in the sections above this one), for what they cannot hold (replica lists, request templates). It is read too; where both give a field, the typed setting wins. Most users leave it empty and use **Transfer Q*: Connect Models…**.`
    : '';
  const value: Json = { ...rest, markdownDescription: md(doc.markdownDescription + flat), order: doc.order, scope: 'resource' };
  // Object settings without a schema default: VS Code's own default for type object is {} (read as "not set").
  if (value.type === undefined) value.type = 'object';
  if (value.type === 'object' && value.default === undefined) value.default = {};
  return value;
}

/**
 * contributes.configuration as an array of sections: every scalar a user tunes is its own typed
 * setting (flat, `tqstar.decoding.topK`), and the object settings (`tqstar.decoding`) stay, under
 * "Advanced (JSON)", for what has no flat form (replica lists, sums of rewards, request templates).
 */
export function configurationContribution(): Json[] {
  const props = settingsProperties();
  const flats = flatSettings();
  const placed = new Set<string>();
  const sections: Json[] = SECTIONS.map((sec, i) => {
    const properties: Json = {};
    let order = 0;
    for (const f of flats) {
      if (placed.has(f.id) || !sec.has(f)) continue;
      placed.add(f.id);
      properties[f.id] = flatProperty(f, ++order);
    }
    if (sec.id === 'decoding') properties[settingId('strategies')] = { ...objectProperty('strategies', props), order: ++order };
    // Short, distinct titles: VS Code's table of contents lists them under the extension's name, and cuts long ones.
    return { id: `tqstar.${sec.id}`, title: sec.title, order: i + 1, properties };
  });
  const advanced: Json = {};
  for (const key of SETTING_KEYS) if (key !== 'strategies') advanced[settingId(key)] = objectProperty(key, props);
  // First in the array, last on screen (its order): VS Code builds the default value tree in
  // registration order, and an object setting's default {} registered after "tqstar.base.dialect"
  // would replace the tree node holding that flat setting's default (the Settings UI then shows "undefined").
  return [{ id: 'tqstar.advanced', title: 'Advanced (JSON objects)', order: SECTIONS.length + 1, properties: advanced }, ...sections];
}

const CATEGORY = 'Transfer Q*';
export const COMMANDS: Array<{ command: string; title: string; icon?: string; enablement?: string }> = [
  { command: 'tqstar.generateFromSelection', title: 'Generate from Selection' },
  { command: 'tqstar.generateFromPrompt', title: 'Generate from Prompt…' },
  { command: 'tqstar.compareStrategies', title: 'Compare Strategies' },
  { command: 'tqstar.cancel', title: 'Cancel Run', enablement: 'tqstar.running' },
  { command: 'tqstar.openPanel', title: 'Open Results Panel' },
  { command: 'tqstar.connectModels', title: 'Connect Models…', icon: '$(plug)' },
  { command: 'tqstar.testConnections', title: 'Test Connections', icon: '$(pulse)' },
  { command: 'tqstar.setApiKey', title: 'Set API Key…' },
  { command: 'tqstar.clearApiKey', title: 'Clear API Key' },
  { command: 'tqstar.tryDemo', title: 'Try the Demo' },
  { command: 'tqstar.clearHistory', title: 'Clear History', icon: '$(clear-all)' },
  { command: 'tqstar.rerun', title: 'Re-run the Shown Run' },
  { command: 'tqstar.openSettings', title: 'Open Settings' },
  { command: 'tqstar.openWalkthrough', title: 'Get Started' },
  { command: 'tqstar.evaluate', title: 'Evaluate on Prompt Set…' },
];

const settingsLink = (id: string) => `command:workbench.action.openSettings?${encodeURIComponent(JSON.stringify(id))}`;

/** The Get Started walkthrough: opened once on first activation, and from the history view's welcome. */
export function walkthroughs(): Json[] {
  return [{
    id: 'tqstar.gettingStarted',
    title: 'Get Started with Transfer Q*',
    description: 'Align a model\'s output to a reward at decoding time, and see why each token was chosen.',
    steps: [
      { id: 'tryDemo', title: 'Try the demo', description: 'See a run without any server: tiny demo models on your machine (small trained transformers on the bundled llama.cpp engine where the package carries them, else a word-level demo model), far too small to be useful — only to show the method.\n[Try the Demo](command:tqstar.tryDemo)', media: { markdown: 'media/walkthrough/demo.md' }, completionEvents: ['onCommand:tqstar.tryDemo'] },
      { id: 'connect', title: 'Connect your models', description: 'Pick the base and baseline models — a server URL (its models are listed for you) or a local GGUF file — and a reward, saved to this workspace\'s settings and tested.\n[Connect Models…](command:tqstar.connectModels)', media: { markdown: 'media/walkthrough/servers.md' }, completionEvents: ['onCommand:tqstar.connectModels', 'onSettingChanged:tqstar.base.baseUrl', 'onSettingChanged:tqstar.base.gguf'] },
      { id: 'reward', title: 'Check the reward and the connections', description: `Connect Models sets the reward too; its other fields are in the Reward settings. Then check every endpoint.\n[Test Connections](command:tqstar.testConnections)\n[Open the Reward Settings](${settingsLink('tqstar.reward.kind')})`, media: { markdown: 'media/walkthrough/reward.md' }, completionEvents: ['onSettingChanged:tqstar.reward.kind', 'onSettingChanged:tqstar.reward', 'onCommand:tqstar.testConnections'] },
      { id: 'tokens', title: 'Read the per-token view', description: 'Select a prompt in an editor and generate; then Tab through the Transfer Q* tokens for their candidates, Q̂ and rollouts.\n[Generate from Selection](command:tqstar.generateFromSelection)', media: { markdown: 'media/walkthrough/tokens.md' }, completionEvents: ['onCommand:tqstar.generateFromSelection'] },
    ],
  }];
}

export function contributes(): Json {
  return {
    commands: COMMANDS.map((c) => ({ ...c, category: CATEGORY })),
    menus: {
      'editor/context': [{ command: 'tqstar.generateFromSelection', when: 'editorTextFocus && !editorReadonly', group: '9_tqstar@1' }],
      'view/title': [
        { command: 'tqstar.clearHistory', when: 'view == tqstar.history', group: 'navigation' },
        { command: 'tqstar.connectModels', when: 'view == tqstar.models', group: 'navigation@1' },
        { command: 'tqstar.testConnections', when: 'view == tqstar.models', group: 'navigation@2' },
      ],
      commandPalette: [{ command: 'tqstar.cancel', when: 'tqstar.running' }],
    },
    keybindings: [{ command: 'tqstar.generateFromSelection', key: 'ctrl+alt+enter', mac: 'cmd+alt+enter', when: 'editorTextFocus && editorHasSelection' }],
    viewsContainers: { activitybar: [{ id: 'tqstar', title: 'Transfer Q*', icon: 'media/activitybar.svg' }] },
    views: { tqstar: [{ id: 'tqstar.start', name: 'Get Started', when: '!tqstar.hasRuns' }, { id: 'tqstar.models', name: 'Models' }, { type: 'webview', id: 'tqstar.history', name: 'Run History' }] },
    viewsWelcome: [{
      view: 'tqstar.start',
      contents: [
        'See Transfer Q* work without any server: the built-in demo runs tiny demo models on your machine.',
        '[Try the Demo](command:tqstar.tryDemo)',
        'Then connect your base and baseline models (a server URL or a local GGUF file) and a reward.',
        '[Connect Models…](command:tqstar.connectModels)',
        '[Get Started Walkthrough](command:tqstar.openWalkthrough)',
        'Or select a prompt in an editor and run [Generate from Selection](command:tqstar.generateFromSelection).',
      ].join('\n'),
    }],
    configuration: configurationContribution(),
    walkthroughs: walkthroughs(),
  };
}

/** Endpoint and reward settings, object and flat: a workspace must not redirect prompts or keys. */
export function restrictedSettings(): string[] {
  const restricted = SETTING_KEYS.filter((k) => SETTING_DOCS[k].restricted);
  return [...restricted.map(settingId), ...flatSettings().filter((f) => (restricted as readonly string[]).includes(f.group)).map((f) => f.id)];
}

export function capabilities(): Json {
  return {
    untrustedWorkspaces: {
      supported: 'limited',
      description: 'In an untrusted workspace, the endpoint and reward settings come from your user settings only, so a workspace cannot send your prompts or keys elsewhere.',
      restrictedConfigurations: restrictedSettings(),
    },
    virtualWorkspaces: true,
  };
}

// Contributed commands and views activate the extension themselves (VS Code ≥ 1.74); the serializer needs its event;
// onStartupFinished (after the window is up, never "*") opens the walkthrough once after install.
export const ACTIVATION_EVENTS = ['onWebviewPanel:tqstar.results', 'onWebviewPanel:tqstar.evaluation', 'onStartupFinished'];
