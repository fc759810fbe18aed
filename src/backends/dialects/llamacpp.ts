// llama.cpp's llama-server: /v1/completions with ids in the llama.cpp content shape, n up to its slot count,
// EOS named in /props, its own /tokenize ({content, with_pieces}), top-k read from a draw (not an argmax).
//
// Neutral sampling (llama-server 80fb11ac, common/common.h common_params_sampling): top_k 40, top_p 0.95, min_p 0.05
// by default; DRY, XTC, mirostat, typical-p, top-n-sigma, dynamic temperature, adaptive-p and the repeat penalty are
// off by default but a server started with e.g. --dry-multiplier turns them on for every request
// (tools/server/server-schema.cpp reads each one from the request first), so each is sent neutral.
import { TqError } from '../../core/errors';
import { completionsSession } from '../completionsRoute';
import type { Capabilities, ServerDialect } from './dialect';
import { activeLlamacppSamplers, llamacppProps, type LlamacppProps } from './llamacppProps';

const NEUTRAL = {
  top_p: 1,
  top_k: 0,
  min_p: 0,
  typical_p: 1,
  top_n_sigma: -1,
  xtc_probability: 0,
  dry_multiplier: 0,
  mirostat: 0,
  dynatemp_range: 0,
  adaptive_target: -1,
  repeat_penalty: 1,
  presence_penalty: 0,
  frequency_penalty: 0,
};

export const llamacpp: ServerDialect = {
  name: 'llamacpp',
  caps: { dialect: 'llamacpp', maxTopK: 20, tokenIdPrompts: true, multiPrompt: true, n: true, scoring: 'none', echoNeedsToken: false, tokenize: 'llamacpp', idsBack: 'llamacpp', logprobsShape: 'llamacpp' },
  neutral: NEUTRAL,
  open(ctx) {
    const { ep } = ctx;
    // GET /props, read once (slots bound `n`; eos_token names EOS); a failure is not kept.
    let props: Promise<LlamacppProps | null> | undefined;
    const readProps = (signal?: AbortSignal, onRequest?: () => void) =>
      (props ??= llamacppProps(ep, signal, onRequest).catch((e) => {
        props = undefined;
        throw e;
      }));
    const url = ep.urlOf({ root: '/tokenize' });
    return {
      ...completionsSession(ctx),
      // llama-server fails the request when the greedy token alone is not valid UTF-8: top-k is read from a seeded draw.
      drawsForTopK: true,
      /** Most samples one request may ask for: the slot count (1 when the server does not say). */
      samplesPerRequest: async (opts) => (await readProps(opts?.signal, opts?.onRequest))?.slots ?? 1,
      async tokenize(text, addSpecial, texts, opts) {
        const body = await ep.request<{ tokens?: unknown[] }>({ root: '/tokenize' }, { content: text, add_special: addSpecial, with_pieces: true }, opts);
        if (!Array.isArray(body?.tokens)) throw new TqError('protocol', `${url}: no "tokens" array`, { url, setting: `${ep.settingPrefix}.dialect` });
        return body.tokens.map((t, i) => {
          if (typeof t === 'number') return t;
          const o = t as { id?: unknown; piece?: unknown } | null;
          if (!o || typeof o.id !== 'number') throw new TqError('protocol', `${url}: tokens[${i}] has no numeric "id"`, { url, setting: `${ep.settingPrefix}.dialect` });
          if (typeof o.piece === 'string') texts.set(o.id, o.piece);
          return o.id;
        });
      },
      /** /props names the EOS piece; /tokenize (parse_special on by default) turns it into the id. */
      async eosFromServer(texts, opts) {
        const text = (await readProps(opts?.signal, opts?.onRequest))?.eosText;
        if (!text) return null;
        const body = await ep.request<{ tokens?: unknown[] }>({ root: '/tokenize' }, { content: text, add_special: false, parse_special: true }, opts);
        const ids = Array.isArray(body?.tokens) ? body.tokens : [];
        if (ids.length !== 1 || typeof ids[0] !== 'number') return null;
        texts.set(ids[0], text);
        return ids[0];
      },
    };
  },
  async probe(ep, caps: Capabilities, _ids, opts) {
    // The dialect, not the logprobs shape: SGLang's native /generate answers in the same shape (dialects/sglang.ts).
    if (caps.dialect !== 'llamacpp') return undefined;
    const info: string[] = [];
    const props = await llamacppProps(ep, opts.signal, opts.onRequest);
    if (props?.slots) info.push(`n per request up to the server's ${props.slots} slot(s) (/props total_slots)`);
    const on = props ? activeLlamacppSamplers(props.defaults) : [];
    if (on.length) info.push(`server sampler defaults ${on.join(', ')} are sent neutral on every request`);
    if (props?.eosText) info.push(`EOS read from /props: ${JSON.stringify(props.eosText)}`);
    return { info };
  },
};
