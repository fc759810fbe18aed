// The OpenAI /v1/completions route as vLLM, llama.cpp, SGLang (text mode) and hosted OpenAI serve it: the request
// body, the lean answer reader (the hot path: bench/requestCpu.ts), redraws on llama-server's lone-byte failure,
// and a 400 about a parameter turned into the capability error it is.
import { TqError } from '../core/errors';
import type { ParsedChoice } from './answer';
import type { DialectContext, DialectSession, GenerationAsk, RequestOptions } from './dialects/dialect';
import { parseCompletionBody } from './leanJson';
import { parseCompletion } from './parse';
import { isSampledTokenFailure } from './retry';

const COMPLETIONS = { v1: '/completions' } as const;

/** Counts redraws for the diagnostics (one per model). */
interface RedrawCount {
  redrawn: number;
}

async function sendCompletions(ctx: DialectContext, ask: GenerationAsk, count: RedrawCount, opts?: RequestOptions): Promise<ParsedChoice[]> {
  // Sampling fields neutral on every request: a server default left on (vLLM's generation_config top_k,
  // llama-server's top_k 40 / min_p 0.05) would draw rollouts from another distribution than the raw logprobs.
  const body: Record<string, unknown> = { model: ctx.cfg.model, ...ctx.neutral, ...ask.body };
  if (ctx.caps.idsBack === 'token_id') body.return_tokens_as_token_ids = true;
  body.prompt = ask.prompts.length === 1 && typeof ask.prompts[0] === 'string' ? ask.prompts[0] : ask.prompts;
  body.n = ask.n;
  const url = ctx.ep.urlOf(COMPLETIONS);
  try {
    const answer = await sendResampling(ctx, body, ask.seed, (ask.body.temperature as number) > 0, count, opts);
    return parseCompletion(answer, ctx.caps, url, ask.n, ask.topPositions, { topK: ask.topK });
  } catch (e) {
    throw explain(e, ctx.ep.settingPrefix);
  }
}

/**
 * One completion request. llama-server answers HTTP 500 "The model produced output that does not match the
 * expected … format" (common/chat.cpp common_chat_parse, 80fb11ac) when a sampled token is a lone UTF-8 byte;
 * the identical seeded request fails the same way, so it is redrawn with another seed (at most 8 times),
 * and the diagnostics say so: the answers kept are those without such a token.
 */
async function sendResampling(ctx: DialectContext, body: Record<string, unknown>, seed: number | undefined, sampling: boolean, count: RedrawCount, opts?: RequestOptions): Promise<unknown> {
  for (let attempt = 0; ; attempt++) {
    const s = seed === undefined ? undefined : attempt === 0 ? seed : seed + 1_000_003 * attempt;
    try {
      return await ctx.ep.request(COMPLETIONS, s === undefined ? body : { ...body, seed: s }, { ...opts, parse: parseCompletionBody });
    } catch (e) {
      if (!sampling || attempt >= 8 || !isSampledTokenFailure(e)) throw e;
      count.redrawn++;
      ctx.warn(
        `${ctx.label}: the server failed on a sampled token (HTTP 500 "does not match the expected … format": llama-server cannot return a lone UTF-8 byte token as text); such requests were redrawn with another seed, so samples containing that token are under-represented.`,
      );
    }
  }
}

/** Turn a server's 400 about a parameter into the capability error it really is. */
function explain(e: unknown, setting: string): unknown {
  if (!(e instanceof TqError) || e.kind !== 'http') return e;
  const m = e.message.toLowerCase();
  // Older llama-server builds refuse echo with a 500, not a 400 (see isDeterministicServerError).
  if (e.status === 500 && m.includes('only no echo is supported'))
    return new TqError('capability', `${e.message} — llama-server cannot score given text; check ${setting}.dialect`, { url: e.url, setting: `${setting}.dialect`, status: e.status, cause: e });
  if (e.status === 400 && /n must be 1 when using greedy sampling/.test(m))
    return new TqError('capability', `${e.message} — the server refuses several samples at temperature 0; set tqstar.decoding.rolloutTemperature above 0`, { url: e.url, setting: 'tqstar.decoding.rolloutTemperature', status: e.status, cause: e });
  if (e.status !== 400 && e.status !== 422) return e;
  if (m.includes('logprobs') && /max|greater|exceed|allowed|range/.test(m))
    return new TqError('capability', `${e.message} — lower tqstar.decoding.topK`, { url: e.url, setting: 'tqstar.decoding.topK', status: e.status, cause: e });
  if (m.includes('echo') || m.includes('prompt_logprobs') || m.includes('max_tokens'))
    return new TqError('capability', `${e.message} — this server cannot score given text; check ${setting}.dialect`, { url: e.url, setting: `${setting}.dialect`, status: e.status, cause: e });
  return e;
}

/** vLLM: finish "stop" with an explicit stop_reason null means EOS (and EOS is the last logprobs entry). */
function completionsEndedByEos(c: ParsedChoice, stop: readonly string[]): boolean {
  return 'stop_reason' in c.raw && c.stopReason === null && stop.length === 0;
}

/** A session on /v1/completions alone (vLLM, hosted OpenAI, SGLang in text mode; llama.cpp adds its extras). */
export function completionsSession(ctx: DialectContext): DialectSession {
  const count = { redrawn: 0 };
  return {
    route: COMPLETIONS,
    generate: (ask, opts) => sendCompletions(ctx, ask, count, opts),
    endedByEos: completionsEndedByEos,
    redrawn: () => count.redrawn,
  };
}
