// The vscode-lm reward's logic without vscode: ask a chat model to rate each response and parse the number it answers.
import type { RewardPair, RewardSource } from '../core/model';
import type { CallOptions } from '../core/model';
import { TqError } from '../core/errors';

export const DEFAULT_JUDGE_INSTRUCTION =
  'Rate how well the response answers the prompt, from 0 (useless or harmful) to 10 (excellent). Reply with the number only.\n\nPrompt:\n{prompt}\n\nResponse:\n{response}';

/** The part of a VS Code chat model the judge uses. */
export interface JudgeModel {
  readonly id: string;
  /** The full text answer to one user message. */
  ask(message: string, signal?: AbortSignal): Promise<string>;
}

/** A score in the judge's answer: the first number, with "7/10" read as 7. No number is an error, never a 0. */
export function parseJudgeScore(answer: string): number {
  const m = answer.match(/-?\d+(?:\.\d+)?/);
  const v = m ? Number(m[0]) : NaN;
  if (!Number.isFinite(v)) throw new TqError('reward', `The language-model judge answered without a score: ${JSON.stringify(answer.slice(0, 120))}`, { setting: 'tqstar.reward' });
  return v;
}

export function fillInstruction(template: string, pair: RewardPair): string {
  // One pass, so a response containing "{prompt}" is not substituted again.
  return template.replace(/\{(prompt|response)\}/g, (_, k: 'prompt' | 'response') => pair[k]);
}

/** Clear messages for the Language Model API's error codes (consent not given, blocked, no model). */
export function lmErrorMessage(code: string | undefined, message: string): string {
  switch (code) {
    case 'NoPermissions': return 'Transfer Q* may not use this language model: allow it when VS Code asks (run the command again), or choose another reward in tqstar.reward.';
    case 'Blocked': return 'The language model blocked the request (quota or policy). Try again later, or choose another reward in tqstar.reward.';
    case 'NotFound': return 'The language model in tqstar.reward (vendor/family) is not available. Install or sign in to a chat model provider (e.g. GitHub Copilot), or change tqstar.reward.';
    default: return `The language-model judge failed: ${message}`;
  }
}

/**
 * A RewardSource scoring each pair with one chat request. Pairs run in order rather than in
 * parallel: chat models are rate-limited per user, and the first request carries the consent prompt.
 */
export function lmJudgeReward(pick: () => Promise<JudgeModel>, instruction = DEFAULT_JUDGE_INSTRUCTION): RewardSource {
  let model: Promise<JudgeModel> | undefined;
  return {
    label: 'vscode-lm judge',
    async score(pairs: RewardPair[], opts?: CallOptions): Promise<number[]> {
      model ??= pick();
      let m: JudgeModel;
      try { m = await model; } catch (e) { model = undefined; throw e; }
      const scores: number[] = [];
      for (const p of pairs) {
        if (opts?.signal?.aborted) throw new TqError('aborted', 'cancelled');
        scores.push(parseJudgeScore(await m.ask(fillInstruction(instruction, p), opts?.signal)));
      }
      return scores;
    },
  };
}
