// What the reference server is started with, and what it reports: options, statistics, the request log.
import type { EngineStats } from './engine.js';
import type { FaultKind, FaultOptions } from './faults.js';
import type { LatencyOptions, SequenceCost } from './latency.js';
import type { ServableModel, ServableReward } from '../vllmApi/servable.js';

export const SERVER_DIALECTS = ['vllm', 'sglang', 'llamacpp', 'ollama', 'openai'] as const;
export type ServerDialect = (typeof SERVER_DIALECTS)[number];

export interface ServerOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  dialect?: ServerDialect;
  latency?: string | Partial<LatencyOptions>;
  faults?: string | FaultOptions;
  quiet?: boolean;
  /** Keep a log of the last this-many model and reward requests in stats().log (default 0: none). */
  logRequests?: number;
  /**
   * Reproduce what the real server does that a naive client gets wrong (default true; see realism.ts): vLLM's
   * generation-config sampling defaults, greedy n check and per-token /pooling; llama-server's truncating
   * sampler defaults, echo 500, slot cap, merged choices and /props. false: every field absent means "off".
   */
  realistic?: boolean;
  /** llama.cpp dialect: the slot count (-np) that caps n and /props reports (default 4, llama-server's auto). */
  slots?: number;
  /**
   * vLLM dialect: token ids that end a sample like EOS, reported as an integer stop_reason — what vLLM does with the
   * extra eos_token_id of a generation_config (update_from_generation_config → stop_token_ids; Llama-3.1's 128008).
   */
  stopTokenIds?: number[];
  /**
   * vLLM dialect: `logprob_token_ids` honoured as vLLM does since PR #43463 (default), or 'ignore' as an older vLLM
   * does with any field it does not know (OpenAIBaseModel extra="allow": logged, dropped), for fallback tests.
   */
  logprobTokenIds?: 'honour' | 'ignore';
  /** llama.cpp dialect, realistic: echo ignored (80fb11ac, default) or refused with the HTTP 500 of older builds. */
  llamacppEcho?: 'ignore' | 'refuse-500';
  /** Extra in-process models and rewards to serve beside the defaults (same names replace them). */
  models?: ServableModel[];
  rewards?: ServableReward[];
}

export interface ServerStats {
  requests: number;
  byPath: Record<string, number>;
  faults: Record<FaultKind | 'delay', number>;
  /** Per model or reward name: the engine's own accounting under the latency model. */
  engines: Record<string, EngineStats>;
  /** With logRequests: each request's timing and cost, ready for criticalPathMs once the caller adds dependencies. */
  log: RequestRecord[];
}

export interface RequestRecord {
  /** Arrival order, from 1. */
  seq: number;
  path: string;
  model: string;
  /** performance.now() at arrival and at the answer. */
  startMs: number;
  endMs: number;
  sequences: SequenceCost[];
}

export interface RunningServer {
  /** Root URL, e.g. http://127.0.0.1:PORT; the OpenAI base URL is url + '/v1'. */
  url: string;
  close(): Promise<void>;
  stats(): ServerStats;
}

/** Every /v1/models entry says what this is, so nobody mistakes it for a real language model. */
