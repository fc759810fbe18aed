// What a server says about itself, read once: llama-server's GET /props (slots, EOS, sampler defaults).
//
// llama.cpp tools/server/server-context.cpp get_res_props (commit 80fb11ac): total_slots (= -np, the cap on
// `n`/n_cmpl in server-schema.cpp), eos_token / bos_token (the special tokens' pieces) and
// default_generation_settings.params (the sampler every request starts from).
import { TqError } from '../../core/errors';
import type { Endpoint } from '../endpoint';

export interface LlamacppProps {
  slots?: number;
  eosText?: string;
  bosText?: string;
  /** The server's sampler defaults as /props reports them. */
  defaults: Record<string, unknown>;
}

export async function llamacppProps(ep: Endpoint, signal?: AbortSignal, onRequest?: () => void): Promise<LlamacppProps | null> {
  let body: Record<string, unknown> | undefined;
  try {
    body = await ep.request<Record<string, unknown>>({ root: '/props' }, undefined, { method: 'GET', signal, onRequest });
  } catch (e) {
    if (e instanceof TqError && e.kind === 'aborted') throw e;
    return null; // an older build, or /props switched off: the caller falls back to splitting and sampling
  }
  if (!body || typeof body !== 'object') return null;
  const gen = body.default_generation_settings as { params?: Record<string, unknown> } | undefined;
  const slots = Number.isInteger(body.total_slots) && (body.total_slots as number) > 0 ? (body.total_slots as number) : undefined;
  const str = (x: unknown) => (typeof x === 'string' && x.length > 0 ? x : undefined);
  return { slots, eosText: str(body.eos_token), bosText: str(body.bos_token), defaults: gen?.params && typeof gen.params === 'object' ? gen.params : {} };
}

/** Sampler settings the server has on by default that a request cannot see: named in the diagnostics. */
export function activeLlamacppSamplers(defaults: Record<string, unknown>): string[] {
  const n = (k: string) => (typeof defaults[k] === 'number' ? (defaults[k] as number) : undefined);
  const on: string[] = [];
  const check = (k: string, neutral: (v: number) => boolean) => {
    const v = n(k);
    if (v !== undefined && !neutral(v)) on.push(`${k} ${v}`);
  };
  check('top_k', (v) => v <= 0);
  check('top_p', (v) => v >= 1);
  check('min_p', (v) => v <= 0);
  check('typical_p', (v) => v >= 1);
  check('top_n_sigma', (v) => v < 0);
  check('xtc_probability', (v) => v <= 0);
  check('dry_multiplier', (v) => v <= 0);
  check('mirostat', (v) => v === 0);
  check('dynatemp_range', (v) => v <= 0);
  check('repeat_penalty', (v) => v === 1);
  check('presence_penalty', (v) => v === 0);
  check('frequency_penalty', (v) => v === 0);
  return on;
}
