// Executes a completion job: every prompt × n samples, plus prompt log-probabilities when echo or prompt_logprobs asks.
import type { CompletionJob } from './completionRequest.js';
import { generate, promptPositions, type Generation, type PositionLogprobs } from './generate.js';

export interface PromptResult {
  promptIds: number[];
  promptText: string;
  /** n samples, in sample order. */
  samples: Generation[];
  /** Present when prompt log-probabilities were needed (top-k of `promptTopK`). */
  promptPositions?: (PositionLogprobs | null)[];
}

let nonce = 0;

export function runCompletion(job: CompletionJob): PromptResult[] {
  const requestNonce = (Date.now() ^ ++nonce * 0x9e3779b1) >>> 0;
  // Echo with logprobs reports the prompt's logprobs with the same k, as vLLM does.
  const promptK = job.promptLogprobs ?? (job.echo && job.gen.logprobs !== null ? job.gen.logprobs : null);
  return job.prompts.map((promptIds, promptIndex) => {
    const samples: Generation[] = [];
    for (let sampleIndex = 0; sampleIndex < job.n; sampleIndex++) {
      samples.push(
        job.gen.maxTokens === 0
          ? { ids: [], positions: [], text: '', finish: 'length', stopReason: null }
          : generate(job.model, promptIds, job.gen, { promptIndex, sampleIndex, requestNonce }),
      );
    }
    return {
      promptIds,
      promptText: job.model.decode(promptIds),
      samples,
      ...(promptK !== null ? { promptPositions: promptPositions(job.model, promptIds, promptK) } : {}),
    };
  });
}
