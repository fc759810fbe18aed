// Serves the tabular suite (π_base, ρ*_r, ρ*_{r_BL}, r, r_BL) of the exact tests as HTTP models and rewards.
import { tabularSuite, type TabularSuite } from '../models/inProcess';
import { parseWords, type NextDist, type TabularWorld } from '../models/tabular';
import type { ServableModel, ServableReward } from '../vllmApi/servable.js';

const utf8 = new TextEncoder();

function tabularModel(name: string, world: TabularWorld, dist: NextDist): ServableModel {
  const words = (ids: readonly number[]) => ids.filter((id) => id !== world.bosId);
  return {
    name,
    vocab: world.vocab,
    eosId: world.eosId,
    bosId: world.bosId,
    maxModelLen: 64,
    // Like a tokenizer with add_special_tokens: BOS first, so that no prompt is empty. Other words are skipped, as in-process.
    encode: (text) => [world.bosId, ...parseWords(world, text, true)],
    decode: (ids) => ids.filter((id) => id < world.words).map((id) => world.vocab[id]).join(''),
    tokenBytes: (id) => (id < world.words ? [...utf8.encode(world.vocab[id]!)] : []),
    nextLogprobs: (prefix) => {
      const p = dist(words(prefix));
      const out = new Float64Array(world.vocab.length).fill(-Infinity);
      for (let i = 0; i < p.length; i++) out[i] = Math.log(p[i]!);
      return out;
    },
  };
}

function tabularReward(name: string, world: TabularWorld, fn: (seq: readonly number[]) => number): ServableReward {
  const seq = (text: string) => parseWords(world, text, true);
  return { name, countTokens: (t) => seq(t).length + 1, score: (t) => fn(seq(t)) };
}

export function tabularServed(suite: TabularSuite = tabularSuite()): { models: ServableModel[]; rewards: ServableReward[] } {
  const { world, dists } = suite;
  return {
    models: [tabularModel('tabular-base', world, dists.base), tabularModel('tabular-rho-r', world, dists.rhoStarR), tabularModel('tabular-rho-rbl', world, dists.rhoStarRbl)],
    rewards: [tabularReward('tabular-reward', world, suite.rewardFn), tabularReward('tabular-reward-bl', world, suite.rewardBLFn)],
  };
}
