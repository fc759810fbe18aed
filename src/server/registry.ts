// The models and rewards the reference server serves by default: the word-level demo pair and the tabular suite.
import { buildWordDemo } from '../models/wordDemo.js';
import type { ServableModel, ServableReward } from '../vllmApi/servable.js';
import { tabularServed } from './tabularServed.js';

export interface Served {
  models: ServableModel[];
  rewards: ServableReward[];
}

let cached: Served | null = null;

/** Built once per process: the demo pair trains in well under a second, but tests start many servers. */
export function defaultServed(): Served {
  if (cached) return cached;
  const demo = buildWordDemo();
  const tab = tabularServed();
  cached = { models: [demo.base, demo.aligned, ...tab.models], rewards: [demo.reward, ...tab.rewards] };
  return cached;
}
