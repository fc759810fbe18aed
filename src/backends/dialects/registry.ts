// The server families the client speaks, by dialect name. Adding one: a module beside these that exports a
// ServerDialect, and its line here (and its name in the settings' dialect list, config/schema.ts DIALECTS).
import type { Capabilities, ConcreteDialect, ServerDialect } from './dialect';
import { llamacpp } from './llamacpp';
import { ollama } from './ollama';
import { openai } from './openai';
import { sglang } from './sglang';
import { vllm } from './vllm';

export const DIALECT_MODULES: Record<ConcreteDialect, ServerDialect> = {
  vllm,
  sglang,
  llamacpp,
  ollama,
  openai,
};

/** What each server is documented to do; `auto` replaces these with what it measured. */
export const DIALECT_CAPABILITIES = Object.fromEntries(Object.values(DIALECT_MODULES).map((d) => [d.name, d.caps])) as Record<ConcreteDialect, Capabilities>;

export function dialectOf(caps: Capabilities): ServerDialect {
  return DIALECT_MODULES[caps.dialect];
}

/** Fields to put on every completion request of this dialect (they also leave greedy and logprob requests unchanged). */
export function neutralSampling(dialect: ConcreteDialect): Record<string, number> {
  return { ...DIALECT_MODULES[dialect].neutral };
}
