// The pre-flight check: what the probed capabilities rule out is an error before any strategy runs; what may fail is asked about first (issue 12, item 11).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RunConfig } from '../../src/config/schema';
import { DIALECT_CAPABILITIES } from '../../src/backends/capabilities';
import { preflight } from '../../src/extension/preflight';

const cfg = (decoding: Record<string, unknown> = {}) => RunConfig.parse({ base: { baseUrl: 'http://h:1/v1', model: 'b' }, baseline: { baseUrl: 'http://h:2/v1', model: 'a' }, reward: { kind: 'builtin', name: 'sentiment' }, decoding });

test('a server that scores text (vLLM) raises nothing', () => {
  assert.deepEqual(preflight(cfg(), ['tqstar', 'cd', 'bon'], DIALECT_CAPABILITIES.vllm, 'http://h:1/v1'), {});
});

test('Ollama-like base with the baseline proposing: TQ* and CD are named as at risk, with the setting that avoids it', () => {
  const r = preflight(cfg(), ['tqstar', 'args', 'cd', 'bon'], DIALECT_CAPABILITIES.ollama, 'http://h:1/v1');
  assert.deepEqual(r.risk?.strategies, ['tqstar', 'cd']);
  assert.equal(r.risk?.setting, 'tqstar.decoding.proposer');
  assert.match(r.risk!.message, /top-20/);
  assert.equal(r.fatal, undefined);
  // The base model proposing, or no strategy that scores proposals: nothing to warn about.
  assert.deepEqual(preflight(cfg({ proposer: 'base' }), ['tqstar'], DIALECT_CAPABILITIES.ollama, 'u'), {});
  assert.deepEqual(preflight(cfg(), ['bon', 'greedy', 'args'], DIALECT_CAPABILITIES.ollama, 'u'), {});
});

test('indirect transfer with implicit weights on a base that cannot score text is an error before anything runs', () => {
  const r = preflight(cfg({ transfer: 'indirect', indirectWeights: 'implicit' }), ['tqstar', 'bon'], DIALECT_CAPABILITIES.llamacpp, 'http://h:1/v1');
  assert.equal(r.fatal?.kind, 'capability');
  assert.equal(r.fatal?.setting, 'tqstar.decoding.indirectWeights');
  assert.match(r.fatal!.message, /^Transfer Q\*: /);
});

test('over HTTP: against an Ollama-shaped server the risk is raised before any strategy runs; "stop" runs nothing, "fix" decodes with proposer base', { timeout: 180_000 }, async () => {
  const { startServer } = await import('../../src/server');
  const { demoRunConfig } = await import('../../src/server/demoConfig');
  const { newRun, runPipeline } = await import('../../src/extension/runPipeline');
  const server = await startServer({ port: 0, quiet: true, dialect: 'ollama' });
  try {
    const demo = demoRunConfig(server.url);
    const config = RunConfig.parse({ ...demo, base: { ...demo.base, dialect: 'ollama' }, baseline: { ...demo.baseline, dialect: 'ollama' }, decoding: { ...demo.decoding, maxTokens: 3 } });
    const before = server.stats().requests;
    let asked: string[] = [];
    const stopped = await runPipeline(newRun('The movie was', ['tqstar', 'bon']), config, new AbortController().signal, { onRisk: async (r) => { asked = r.strategies; return 'stop'; } });
    assert.deepEqual(asked, ['tqstar']);
    assert.equal(stopped.status, 'cancelled');
    assert.deepEqual(stopped.view.results, [], 'no strategy ran');
    assert.ok(server.stats().requests > before, 'the probe talked to the server');
    const fixed = await runPipeline({ ...newRun('The movie was', ['tqstar']), config }, config, new AbortController().signal, { onRisk: async () => 'fix' });
    assert.equal(fixed.status, 'done', fixed.error?.message);
    assert.equal(fixed.view.config?.decoding.proposer, 'base');
    // The view the history stores shows what the panel showed: no warning telling to set the proposer to base.
    assert.deepEqual((fixed.view.warnings ?? []).filter((w) => /proposer to "?base"?/i.test(w)), []);
  } finally {
    await server.close();
  }
});

test('withProposerBase: the settings say proposer base and the warnings that said to set it go; others stay', async () => {
  const { newRun, withProposerBase } = await import('../../src/extension/runPipeline');
  const config = cfg({ proposer: 'baseline' });
  const warnings = ['base (http://h/v1): text prompts drift; set tqstar.decoding.proposer to "base"', 'baseline (http://h/v1): top-k capped at 5', 'Set the proposer to base, or serve with vLLM'];
  const fixed = withProposerBase({ ...newRun('p', ['tqstar']), config, warnings });
  assert.equal(fixed.config?.decoding.proposer, 'base');
  assert.deepEqual(fixed.warnings, ['baseline (http://h/v1): top-k capped at 5']);
  assert.equal(fixed.config?.decoding.topK, config.decoding.topK);
  // A view without settings or warnings gains neither.
  const bare = withProposerBase(newRun('p', ['tqstar']));
  assert.equal(bare.config, undefined);
  assert.equal(bare.warnings, undefined);
});
