// The DPO models really moved: sampled on the engine (node-llama-cpp, temperature 1, no truncation), their answers
// score higher under the reward they were trained for than sft's, and their implicit reward
// β·(log ρ − log π_sft) correlates with that reward. Margins and thresholds: see the constants (measured here).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { demoPoliteness, demoSentiment } from '../../src/models/wordDemoReward';
import type { Sample } from './tinyChild';
import { MANIFEST, TINY, runTiny, tinyMissing } from './tinyRun';

const M = 12;
const MAX_TOKENS = 24;
const SEED = 20261201;
// Measured here with these seeds (84 samples per model): gains 0.529 (sentiment) and 0.193 (politeness), Pearson
// 0.511 and 0.768 over the 168 sft + dpo samples. Margins and threshold leave a factor of ≥ 1.7–3.5 for other machines.
const MARGIN = { sentiment: 0.15, politeness: 0.08 };
const MIN_PEARSON = 0.3;

interface Manifest { eval: { prompts: string[] }; files: Record<string, { beta?: number }> }

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function pearson(xs: number[], ys: number[]): number {
  const mx = mean(xs), my = mean(ys);
  let sxy = 0, sxx = 0, syy = 0;
  xs.forEach((x, i) => {
    sxy += (x - mx) * (ys[i]! - my);
    sxx += (x - mx) ** 2;
    syy += (ys[i]! - my) ** 2;
  });
  return sxy / Math.sqrt(sxx * syy);
}

const skip = tinyMissing();
let samples: Sample[] = [];
let manifest: Manifest;
// One child samples from all three models and scores every sample under all three (≈ 10 s).
before(() => {
  if (skip) return;
  manifest = JSON.parse(readFileSync(MANIFEST, 'utf8')) as Manifest;
  const files = { sft: join(TINY, 'sft.gguf'), 'dpo-sentiment': join(TINY, 'dpo-sentiment.gguf'), 'dpo-politeness': join(TINY, 'dpo-politeness.gguf') };
  samples = runTiny<Sample[]>({ op: 'sample', sampleFrom: files, scoreWith: files, prompts: manifest.eval.prompts, m: M, maxTokens: MAX_TOKENS, seed: SEED });
});

const rewards = { sentiment: demoSentiment, politeness: demoPoliteness };

for (const reward of ['sentiment', 'politeness'] as const) {
  const dpo = `dpo-${reward}`;
  const r = rewards[reward];

  test(`${dpo}: mean ${reward} reward of its samples exceeds sft's by more than ${MARGIN[reward]}`, { skip }, () => {
    const of = (model: string): number => mean(samples.filter((s) => s.model === model).map((s) => r(s.text)));
    const gain = of(dpo) - of('sft');
    console.log(`# ${dpo}: mean ${reward} ${of(dpo).toFixed(3)} vs sft ${of('sft').toFixed(3)} (gain ${gain.toFixed(3)})`);
    assert.ok(gain > MARGIN[reward], `gain ${gain}`);
  });

  test(`${dpo}: its implicit reward β·(log ρ − log π_sft) correlates with ${reward} (Pearson > ${MIN_PEARSON})`, { skip }, () => {
    const beta = manifest.files[`${dpo}.gguf`]!.beta!;
    const pool = samples.filter((s) => s.model === dpo || s.model === 'sft');
    const implicit = pool.map((s) => beta * (s.logp[dpo]! - s.logp.sft!));
    const rho = pearson(implicit, pool.map((s) => r(s.text)));
    console.log(`# ${dpo}: Pearson(implicit reward, ${reward}) = ${rho.toFixed(3)} over ${pool.length} samples (β = ${beta})`);
    assert.ok(rho > MIN_PEARSON, `Pearson ${rho}`);
  });
}

test('sampled log-probs are the engine\'s own: scoring a sample under the model that drew it is finite and ≤ 0', { skip }, () => {
  for (const s of samples) {
    assert.ok(Number.isFinite(s.logp[s.model]!) && s.logp[s.model]! <= 0, `${s.model}: ${s.logp[s.model]}`);
    assert.ok(s.completion.length >= 1 && s.completion.length <= MAX_TOKENS);
  }
  // Samples at temperature 1 from the full distribution differ between seeds, not one repeated answer.
  assert.ok(new Set(samples.filter((s) => s.model === 'sft').map((s) => s.text)).size > manifest.eval.prompts.length * 3);
});
