// Why a GGUF model file could not be served: a kind, the file, and a message in plain words.

export type LoadFailureKind = 'missing-file' | 'not-gguf' | 'corrupt' | 'architecture' | 'memory' | 'tokenizer' | 'load';

export interface LoadFailure {
  kind: LoadFailureKind;
  /** The model file as the user gave it (tilde expanded, absolute). */
  file: string;
  message: string;
}

export class EngineLoadError extends Error {
  constructor(readonly failure: LoadFailure) {
    super(failure.message);
    this.name = 'EngineLoadError';
  }
}

/** node-llama-cpp / llama.cpp load errors, sorted into the kinds a user can act on. */
export function classifyLoadError(file: string, e: unknown, log: readonly string[] = []): LoadFailure {
  const own = e instanceof Error ? e.message : String(e);
  // llama.cpp's log says why; node-llama-cpp's error often only says that it failed.
  const why = log.filter((l) => /error|fail|unknown|unsupported|alloc|memory/i.test(l)).slice(-3);
  const text = [own, ...why].join('; ');
  if (/unknown (model )?architecture|unsupported (model )?architecture/i.test(text))
    return { kind: 'architecture', file, message: `${file}: llama.cpp does not support this model's architecture (${text})` };
  if (/out of memory|InsufficientMemory|failed to allocate|cannot allocate|ENOMEM|bad_alloc/i.test(text) || (e instanceof Error && e.name === 'InsufficientMemoryError'))
    return { kind: 'memory', file, message: `${file}: not enough memory to load the model (${text})` };
  return { kind: 'load', file, message: `${file}: llama.cpp could not load the model (${text})` };
}
