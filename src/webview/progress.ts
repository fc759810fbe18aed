// How far a live run has got, and what it runs with: pure functions over RunView for the panel's status line and header.
import type { RunView } from './protocol';
import { STRATEGY_LABELS } from './labels';
import type { StrategyName } from '../config/schema';
import { alphaText, gateText } from '../config/describe';

export interface Progress {
  /** 1-based position of the strategy decoding now, of `total`. */
  index: number;
  total: number;
  current: StrategyName | null;
  tokens: number;
  maxTokens: number | null;
  elapsedMs: number;
  /**
   * Upper bound on the current strategy's remaining time: its time per token so far times the
   * tokens it may still decode. A run ends sooner when the model stops (EOS, a stop sequence).
   */
  atMostLeftMs: number | null;
  /**
   * An estimate of the time left: each running strategy's measured time per token times the tokens it
   * is expected to still decode — as many as the strategies that finished decoded (their median), or up
   * to maxTokens when none has finished. null until a token has been timed.
   */
  estimateLeftMs: number | null;
  /** Before the first token: what the run is waiting for (the local engine loading its models, or the servers). */
  waitingFor: string;
  queued: StrategyName[];
  /** Every strategy decoding now (strategies run side by side), with its tokens so far; `current` is the first. */
  running: Array<{ strategy: StrategyName; tokens: number }>;
  done: number;
}

export function progressOf(run: RunView, now: number): Progress {
  const done = new Set(run.done ?? []);
  const live = run.results.filter((r) => !done.has(r.strategy));
  const current = live[0] ?? null;
  const maxTokens = run.config?.decoding.maxTokens ?? null;
  const tokens = current?.tokens.length ?? 0;
  // The run ends with its slowest strategy: the bound is the largest of the running ones'.
  const bounds = live.map((r) => (r.tokens.length > 0 && maxTokens !== null ? Math.max(0, maxTokens - r.tokens.length) * (r.stats.wallMs / r.tokens.length) : null));
  const finishedLengths = run.results.filter((r) => done.has(r.strategy) && r.tokens.length > 0).map((r) => r.tokens.length).sort((a, b) => a - b);
  const typical = finishedLengths.length ? finishedLengths[Math.floor(finishedLengths.length / 2)]! : maxTokens;
  const estimates = live.map((r) => (r.tokens.length > 0 && typical !== null ? Math.max(maxTokens !== null && r.tokens.length < maxTokens ? 1 : 0, Math.min(maxTokens ?? Infinity, typical) - r.tokens.length) * (r.stats.wallMs / r.tokens.length) : null));
  const ggufs = run.config ? [run.config.base.gguf, run.config.baseline.gguf].filter((g): g is string => typeof g === 'string').map((g) => g.split(/[\\/]/).pop()!) : [];
  return {
    index: Math.min(run.strategies.length, done.size + (current ? 1 : 0)),
    total: run.strategies.length,
    current: current?.strategy ?? null,
    tokens,
    maxTokens,
    elapsedMs: Math.max(0, now - run.startedAt),
    atMostLeftMs: bounds.length && bounds.every((b) => b !== null) ? Math.max(...(bounds as number[])) : null,
    estimateLeftMs: estimates.length && estimates.every((b) => b !== null) ? Math.max(...(estimates as number[])) : null,
    waitingFor: ggufs.length ? `loading ${[...new Set(ggufs)].join(' and ')} on the local llama.cpp engine (the first run after a start takes longest)` : 'connecting to the model servers',
    queued: run.strategies.filter((s) => !run.results.some((r) => r.strategy === s)),
    running: live.map((r) => ({ strategy: r.strategy, tokens: r.tokens.length })),
    done: done.size,
  };
}

const secs = (ms: number) => (ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`);

/**
 * One strategy decoding: "running Transfer Q* (1 of 6) — 38 / 64 tokens · 12 s elapsed · at most ~8 s more for it · 5 queued";
 * several side by side: "running Transfer Q* 38 / 64, Best-of-N 0 / 64 tokens (2 of 6 finished) · 12 s elapsed · at most ~8 s more · 2 queued".
 */
export function progressText(p: Progress): string {
  if (!p.current) return `running… ${p.waitingFor} · ${secs(p.elapsedMs)} elapsed`;
  const of = (tokens: number) => `${tokens}${p.maxTokens !== null ? ` / ${p.maxTokens}` : ''}`;
  const side = p.running.length > 1;
  const parts = [
    side ? null : `${of(p.tokens)} tokens`,
    `${secs(p.elapsedMs)} elapsed`,
    p.estimateLeftMs !== null ? `~${secs(p.estimateLeftMs)} left` : null,
    p.atMostLeftMs !== null && (p.estimateLeftMs === null || p.atMostLeftMs > p.estimateLeftMs * 1.5) ? `at most ~${secs(p.atMostLeftMs)}${side ? '' : ' for it'}` : null,
    p.queued.length ? `${p.queued.length} queued` : null,
  ].filter(Boolean);
  if (!side) return `running ${STRATEGY_LABELS[p.current]} (${p.index} of ${p.total}) — ${parts.join(' · ')}`;
  const each = p.running.map((r) => `${STRATEGY_LABELS[r.strategy]} ${of(r.tokens)}`).join(', ');
  return `running ${each} tokens (${p.done} of ${p.total} finished) · ${parts.join(' · ')}`;
}

/** A server URL by its host (several replicas: the first, "+N"). */
export const host = (u: string | string[]) => {
  const first = Array.isArray(u) ? u[0]! : u;
  try { return new URL(first).host + (Array.isArray(u) && u.length > 1 ? ` +${u.length - 1}` : ''); } catch { return first; }
};

/** A model setting as "model @ host", or a local GGUF file by its name. */
export const where = (m: { model?: string; baseUrl?: string | string[]; gguf?: string }): string =>
  m.gguf !== undefined ? `${m.gguf.split(/[\\/]/).pop()} (local GGUF)` : `${m.model ?? '?'} @ ${m.baseUrl !== undefined ? host(m.baseUrl) : '?'}`;

/** The header's compact description of a run's settings: models, reward, α and the other main knobs, seed. */
export function runSummary(run: RunView): Array<[string, string]> {
  const c = run.config;
  if (!c) return [];
  const r = c.reward;
  const reward = r.kind === 'builtin' ? `builtin ${r.name}` : r.kind === 'sum' ? `sum of ${r.terms.length}` : 'model' in r && r.model ? `${r.kind} ${r.model}` : r.kind;
  const d = c.decoding;
  const gate = gateText(d);
  return [
    ['π_base', where(c.base)],
    ['ρ_BL', where(c.baseline)],
    ['reward', reward],
    ['α', alphaText(d)],
    ...(gate !== null ? [['gate', gate] as [string, string]] : []),
    ['k · N · H', `${d.topK} · ${d.rollouts} · ${d.horizon}`],
    ['transfer', d.transfer],
    ['proposer', d.proposer],
    ['max tokens', String(d.maxTokens)],
    ['seed', String(d.seed)],
    ['from', run.source !== 'demo' ? 'your settings' : c.base.gguf !== undefined ? 'the built-in demo: tiny demo transformers on the local llama.cpp engine (too small to be useful)' : 'the built-in demo: word-level demo models on the reference server (not a language model)'],
  ];
}

/** The status bar's short form: "TQ* 38/64 · ~8 s" (details are in its tooltip). */
export function shortProgress(p: Progress): string {
  if (!p.current) return p.waitingFor.startsWith('loading') ? 'TQ* loading model…' : 'TQ* connecting…';
  const tokens = p.running.reduce((s, r) => s + r.tokens, 0);
  const max = p.maxTokens !== null ? p.maxTokens * p.running.length : null;
  return `TQ* ${tokens}${max !== null ? `/${max}` : ''}${p.estimateLeftMs !== null ? ` · ~${secs(p.estimateLeftMs)}` : ''}`;
}
