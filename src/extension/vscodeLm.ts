// The vscode-lm reward kind: VS Code's Language Model API (e.g. Copilot) as an LLM judge, adapted onto lmJudge.
import * as vscode from 'vscode';
import type { RewardConfig } from '../config/schema';
import type { RewardSource } from '../core/model';
import { TqError } from '../core/errors';
import { DEFAULT_JUDGE_INSTRUCTION, lmErrorMessage, lmJudgeReward, type JudgeModel } from './lmJudge';

type VscodeLmConfig = Extract<RewardConfig, { kind: 'vscode-lm' }>;

function toTqError(e: unknown): TqError {
  if (e instanceof TqError) return e;
  if (e instanceof vscode.LanguageModelError) return new TqError('reward', lmErrorMessage(e.code, e.message), { setting: 'tqstar.reward', cause: e });
  if (e instanceof vscode.CancellationError) return new TqError('aborted', 'cancelled');
  return new TqError('reward', lmErrorMessage(undefined, e instanceof Error ? e.message : String(e)), { setting: 'tqstar.reward', cause: e });
}

async function pickModel(cfg: VscodeLmConfig): Promise<JudgeModel> {
  const selector: vscode.LanguageModelChatSelector = {};
  if (cfg.vendor) selector.vendor = cfg.vendor;
  if (cfg.family) selector.family = cfg.family;
  const [model] = await vscode.lm.selectChatModels(selector);
  if (!model) throw new TqError('reward', lmErrorMessage('NotFound', ''), { setting: 'tqstar.reward' });
  return {
    id: model.id,
    async ask(message, signal) {
      const cts = new vscode.CancellationTokenSource();
      const onAbort = () => cts.cancel();
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        // The first request of a run comes from the user's command, which is when VS Code may show its consent dialog.
        const res = await model.sendRequest([vscode.LanguageModelChatMessage.User(message)], { justification: 'Transfer Q* uses this model to score candidate outputs as the reward (tqstar.reward).' }, cts.token);
        let text = '';
        for await (const part of res.text) text += part;
        return text;
      } catch (e) {
        throw toTqError(e);
      } finally {
        signal?.removeEventListener('abort', onAbort);
        cts.dispose();
      }
    },
  };
}

/** The factory buildEnv takes as rewardFactories['vscode-lm']. */
export function vscodeLmReward(cfg: RewardConfig): RewardSource {
  if (cfg.kind !== 'vscode-lm') throw new TqError('internal', `vscode-lm factory given ${cfg.kind}`);
  const judge = lmJudgeReward(() => pickModel(cfg).catch((e) => Promise.reject(toTqError(e))), cfg.instruction ?? DEFAULT_JUDGE_INSTRUCTION);
  return { label: `vscode-lm judge (${cfg.vendor ?? 'any vendor'}${cfg.family ? `/${cfg.family}` : ''})`, score: judge.score };
}
