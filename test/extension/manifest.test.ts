// package.json's contributions are exactly what src/extension/manifest.ts generates from the zod schema: a drift fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ACTIVATION_EVENTS, capabilities, contributes } from '../../src/extension/manifest';
import { DecodingParams, STRATEGY_NAMES } from '../../src/config/schema';

const root = fileURLToPath(new URL('../..', import.meta.url));
const pkg = JSON.parse(readFileSync(`${root}/package.json`, 'utf8'));
const regen = 'package.json is out of date: run `node --import tsx scripts/gen-manifest.ts`';

test('package.json contributes, capabilities and activationEvents match the generator', () => {
  assert.deepEqual(pkg.contributes, contributes(), regen);
  assert.deepEqual(pkg.capabilities, capabilities(), regen);
  assert.deepEqual(pkg.activationEvents, ACTIVATION_EVENTS, regen);
  assert.equal(pkg.main, './dist/extension.js');
});

type Prop = { type?: unknown; markdownDescription?: string; order?: number; default?: unknown; minimum?: number; maximum?: number; enum?: string[]; enumDescriptions?: string[]; items?: { enum: string[]; enumDescriptions: string[] }; properties?: Record<string, { description?: string; default?: unknown }>; additionalProperties?: boolean };
const sections = pkg.contributes.configuration as Array<{ id: string; title: string; order: number; properties: Record<string, Prop> }>;
const allProps: Record<string, Prop> = Object.assign({}, ...sections.map((s) => s.properties));

test('every decoding parameter of the schema is a documented property of tqstar.decoding, with its default', () => {
  const decoding = allProps['tqstar.decoding']!;
  const defaults = DecodingParams.parse({}) as Record<string, unknown>;
  for (const key of Object.keys(DecodingParams.shape)) {
    const prop = decoding.properties![key];
    assert.ok(prop, `tqstar.decoding.${key} missing`);
    assert.ok(prop.description, `tqstar.decoding.${key} has no description`);
    if (typeof defaults[key] !== 'object') assert.deepEqual(prop.default, defaults[key], `tqstar.decoding.${key} default`);
  }
  assert.equal(decoding.additionalProperties, false);
});

test('settings a newcomer sees are explained, enums described, and ordered', () => {
  const props = allProps;
  for (const id of ['tqstar.base', 'tqstar.baseline', 'tqstar.baselineReward', 'tqstar.decoding', 'tqstar.reward', 'tqstar.strategies']) assert.ok(props[id], id);
  for (const [id, p] of Object.entries(props)) {
    assert.ok((p.markdownDescription ?? '').length > 30, `${id} needs a markdownDescription`);
    assert.equal(typeof p.order, 'number');
    if (p.enum) assert.equal(p.enumDescriptions?.length, p.enum.length, `${id} enumDescriptions`);
  }
  const s = props['tqstar.strategies']!.items!;
  assert.deepEqual(s.enum, [...STRATEGY_NAMES]);
  assert.equal(s.enumDescriptions.length, s.enum.length);
  assert.ok(s.enumDescriptions.every((d) => d.length > 10));
});

test('endpoint and reward settings, object and typed, are restricted in untrusted workspaces; decoding ones are not', () => {
  const r = pkg.capabilities.untrustedWorkspaces;
  assert.equal(r.supported, 'limited');
  for (const id of ['tqstar.base', 'tqstar.baseline', 'tqstar.reward', 'tqstar.baselineReward', 'tqstar.base.baseUrl', 'tqstar.baseline.model', 'tqstar.reward.baseUrl', 'tqstar.reward.kind', 'tqstar.baselineReward.baseUrl']) assert.ok(r.restrictedConfigurations.includes(id), id);
  for (const id of Object.keys(allProps)) if (/^tqstar\.(base|baseline|reward|baselineReward)(\.|$)/.test(id)) assert.ok(r.restrictedConfigurations.includes(id), `${id} restricted`);
  assert.ok(!r.restrictedConfigurations.includes('tqstar.decoding.topK'));
});

test('the Settings UI gets typed settings in "Transfer Q*" sections: each scalar with its type, default, range and description', () => {
  assert.ok(Array.isArray(pkg.contributes.configuration), 'configuration is an array of sections');
  assert.ok(sections.every((s) => typeof s.order === 'number'));
  // Distinct short titles (VS Code lists them under the extension's name in the table of contents and cuts long ones).
  const titles = sections.map((s) => s.title);
  assert.equal(new Set(titles).size, titles.length);
  assert.ok(titles.every((t) => t.length <= 24 && !t.startsWith('Transfer Q*')), titles.join(' | '));
  // The JSON objects come last on screen, after every typed section.
  const adv = sections.find((s) => s.id === 'tqstar.advanced')!;
  assert.ok(sections.every((s) => s === adv || s.order < adv.order));
  assert.doesNotMatch(allProps['tqstar.base']!.markdownDescription!, /settings above;/);
  assert.equal(allProps['tqstar.decoding.seed']!.minimum, 0);
  assert.equal(allProps['tqstar.decoding.argsWeight']!.minimum, 0);
  const topK = allProps['tqstar.decoding.topK']!;
  assert.equal(topK.type, 'integer');
  assert.equal(topK.default, 3, 'the schema default (k = 3, chosen from the measured frontier)');
  assert.equal(topK.minimum, 1);
  assert.equal(topK.maximum, 100);
  assert.match(topK.markdownDescription!, /Candidates considered/);
  const transfer = allProps['tqstar.decoding.transfer']!;
  assert.deepEqual(transfer.enum, ['direct', 'indirect']);
  assert.ok(transfer.enumDescriptions!.every((d) => d.length > 10));
  const kind = allProps['tqstar.reward.kind']!;
  assert.ok(kind.enum!.includes('vllm-pooling') && kind.enum!.includes('builtin'));
  assert.equal(allProps['tqstar.base.model']!.type, 'string');
  assert.deepEqual(allProps['tqstar.base.eosTokenId']!.type, ['integer', 'null']);
  assert.equal(allProps['tqstar.decoding.budget.maxModelTokens']!.type, 'integer');
  // Orders within a section are distinct, so the UI order is the one given.
  for (const s of sections) {
    const orders = Object.values(s.properties).map((p) => p.order);
    assert.equal(new Set(orders).size, orders.length, `${s.title} orders`);
  }
});

test('the contract commands are contributed under the "Transfer Q*" category, with a keybinding and an editor menu entry', () => {
  const ids = pkg.contributes.commands.map((c: { command: string }) => c.command);
  for (const id of ['generateFromSelection', 'generateFromPrompt', 'compareStrategies', 'cancel', 'openPanel', 'connectModels', 'testConnections', 'setApiKey', 'clearApiKey', 'tryDemo']) assert.ok(ids.includes(`tqstar.${id}`), id);
  assert.ok(pkg.contributes.commands.every((c: { category: string }) => c.category === 'Transfer Q*'));
  assert.equal(pkg.contributes.commands.find((c: { command: string }) => c.command === 'tqstar.tryDemo').title, 'Try the Demo');
  assert.ok(pkg.contributes.keybindings.some((k: { command: string }) => k.command === 'tqstar.generateFromSelection'));
  assert.ok(pkg.contributes.menus['editor/context'].some((m: { command: string }) => m.command === 'tqstar.generateFromSelection'));
  const icon = pkg.contributes.viewsContainers.activitybar[0].icon;
  assert.ok(existsSync(`${root}/${icon}`), `activity-bar icon ${icon} exists`);
});

test('markdown descriptions escape the star of "Q*" (else the Settings UI renders emphasis)', () => {
  for (const [key, p] of Object.entries(allProps)) assert.doesNotMatch(p.markdownDescription ?? '', /Q\*/, key);
});

test('each object setting is registered before its flat settings, so VS Code keeps the flat defaults in its default tree', () => {
  const order = sections.flatMap((s) => Object.keys(s.properties));
  for (const key of ['base', 'baseline', 'reward', 'baselineReward', 'decoding']) {
    const obj = order.indexOf(`tqstar.${key}`);
    const firstFlat = order.findIndex((id) => id.startsWith(`tqstar.${key}.`));
    assert.ok(obj >= 0 && obj < firstFlat, `tqstar.${key} at ${obj}, its first flat setting at ${firstFlat}`);
  }
});

test('an empty Transfer Q* side bar welcomes with buttons (viewsWelcome on a tree view: VS Code draws none in webview views)', () => {
  const views = pkg.contributes.views.tqstar as Array<{ id: string; type?: string; when?: string }>;
  const start = views.find((v) => v.id === 'tqstar.start')!;
  assert.equal(start.type, undefined, 'a tree view');
  assert.equal(start.when, '!tqstar.hasRuns');
  const welcome = (pkg.contributes.viewsWelcome as Array<{ view: string; contents: string }>).find((w) => w.view === 'tqstar.start')!;
  for (const cmd of ['tqstar.tryDemo', 'tqstar.openWalkthrough', 'tqstar.connectModels', 'tqstar.generateFromSelection']) assert.match(welcome.contents, new RegExp(`\\(command:${cmd.replace(/\./g, '\\.')}`), cmd);
  const ids = pkg.contributes.commands.map((c: { command: string }) => c.command);
  for (const m of welcome.contents.matchAll(/\(command:(tqstar\.\w+)/g)) assert.ok(ids.includes(m[1]), `${m[1]} is contributed`);
});

test('the walkthrough has the four steps, each with its page in media/ and a completion event', () => {
  const [w] = pkg.contributes.walkthroughs as Array<{ id: string; steps: Array<{ id: string; media: { markdown: string }; completionEvents: string[] }> }>;
  assert.equal(w!.id, 'tqstar.gettingStarted');
  assert.deepEqual(w!.steps.map((s) => s.id), ['tryDemo', 'connect', 'reward', 'tokens']);
  for (const s of w!.steps) {
    assert.ok(existsSync(`${root}/${s.media.markdown}`), s.media.markdown);
    assert.ok(s.completionEvents.length > 0);
  }
});
