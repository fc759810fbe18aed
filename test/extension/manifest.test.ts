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

test('every decoding parameter of the schema is a documented property of tqstar.decoding, with its default', () => {
  const decoding = pkg.contributes.configuration.properties['tqstar.decoding'];
  const defaults = DecodingParams.parse({}) as Record<string, unknown>;
  for (const key of Object.keys(DecodingParams.shape)) {
    const prop = decoding.properties[key];
    assert.ok(prop, `tqstar.decoding.${key} missing`);
    assert.ok(prop.description, `tqstar.decoding.${key} has no description`);
    if (typeof defaults[key] !== 'object') assert.deepEqual(prop.default, defaults[key], `tqstar.decoding.${key} default`);
  }
  assert.equal(decoding.additionalProperties, false);
});

test('settings a newcomer sees are explained, enums described, and ordered', () => {
  const props = pkg.contributes.configuration.properties as Record<string, { markdownDescription?: string; order?: number; items?: { enum: string[]; enumDescriptions: string[] } }>;
  assert.deepEqual(Object.keys(props).sort(), ['tqstar.base', 'tqstar.baseline', 'tqstar.baselineReward', 'tqstar.decoding', 'tqstar.reward', 'tqstar.strategies']);
  for (const [id, p] of Object.entries(props)) {
    assert.ok((p.markdownDescription ?? '').length > 60, `${id} needs a markdownDescription`);
    assert.equal(typeof p.order, 'number');
  }
  const s = props['tqstar.strategies']!.items!;
  assert.deepEqual(s.enum, [...STRATEGY_NAMES]);
  assert.equal(s.enumDescriptions.length, s.enum.length);
  assert.ok(s.enumDescriptions.every((d) => d.length > 10));
});

test('endpoint and reward settings are restricted in untrusted workspaces', () => {
  const r = pkg.capabilities.untrustedWorkspaces;
  assert.equal(r.supported, 'limited');
  for (const id of ['tqstar.base', 'tqstar.baseline', 'tqstar.reward', 'tqstar.baselineReward']) assert.ok(r.restrictedConfigurations.includes(id), id);
});

test('the contract commands are contributed under the "Transfer Q*" category, with a keybinding and an editor menu entry', () => {
  const ids = pkg.contributes.commands.map((c: { command: string }) => c.command);
  for (const id of ['generateFromSelection', 'generateFromPrompt', 'compareStrategies', 'cancel', 'openPanel', 'testConnections', 'setApiKey', 'clearApiKey', 'tryDemo']) assert.ok(ids.includes(`tqstar.${id}`), id);
  assert.ok(pkg.contributes.commands.every((c: { category: string }) => c.category === 'Transfer Q*'));
  assert.equal(pkg.contributes.commands.find((c: { command: string }) => c.command === 'tqstar.tryDemo').title, 'Try the Demo');
  assert.ok(pkg.contributes.keybindings.some((k: { command: string }) => k.command === 'tqstar.generateFromSelection'));
  assert.ok(pkg.contributes.menus['editor/context'].some((m: { command: string }) => m.command === 'tqstar.generateFromSelection'));
  const icon = pkg.contributes.viewsContainers.activitybar[0].icon;
  assert.ok(existsSync(`${root}/${icon}`), `activity-bar icon ${icon} exists`);
});

test('markdown descriptions escape the star of "Q*" (else the Settings UI renders emphasis)', () => {
  const props = (pkg.contributes as { configuration: { properties: Record<string, { markdownDescription?: string }> } }).configuration.properties;
  for (const [key, p] of Object.entries(props)) assert.doesNotMatch(p.markdownDescription ?? '', /Q\*/, key);
});
