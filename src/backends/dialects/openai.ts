// Hosted OpenAI (legacy /v1/completions): logprobs ≤ 5, token-id prompts, n, several prompts; no ids back, no
// tokenizer, no echo scoring. Only top_p is a sampling field of legacy completions (openai-node completions.ts);
// unknown fields are refused, so nothing else is sent.
import { completionsSession } from '../completionsRoute';
import type { ServerDialect } from './dialect';

export const openai: ServerDialect = {
  name: 'openai',
  caps: { dialect: 'openai', maxTopK: 5, tokenIdPrompts: true, multiPrompt: true, n: true, scoring: 'none', echoNeedsToken: false, tokenize: 'none', idsBack: 'none', logprobsShape: 'legacy' },
  neutral: { top_p: 1 },
  open: completionsSession,
};
