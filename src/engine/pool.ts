// Keeps one engine child per set of GGUF files, so that runs with the same files reuse the loaded models; closes them on dispose.
import { homedir } from 'node:os';
import { basename, isAbsolute, resolve } from 'node:path';
import { checkGgufFile } from './ggufFile';
import { EngineLoadError } from './loadFailure';
import type { ModelInfo } from './localModel';
import { startEngineProcess, type EngineProcess } from './spawn';

/** "~/x.gguf" → the home directory; a relative path → under `baseDir` (the config file's folder, the workspace). */
export function resolveModelPath(file: string, baseDir: string | undefined): string {
  const expanded = file === '~' ? homedir() : file.startsWith('~/') ? resolve(homedir(), file.slice(2)) : file;
  return isAbsolute(expanded) ? expanded : resolve(baseDir ?? process.cwd(), expanded);
}

export interface ServedFile {
  /** The name the engine serves the file under (the `model` of requests). */
  name: string;
  info: ModelInfo;
}

export class EnginePool {
  private current: { key: string; engine: Promise<EngineProcess> } | null = null;

  /** `alsoLoad`: files loaded with every set, so that runs switching among them (the demo's pairs) keep one engine. */
  constructor(private readonly alsoLoad: readonly string[] = []) {}

  /**
   * An engine serving exactly these files (absolute paths), started or reused. A different set
   * replaces the running engine: one set of loaded models at a time keeps memory predictable.
   */
  async serve(files: readonly string[]): Promise<{ url: string; served: Map<string, ServedFile>; pid: number }> {
    const unique = [...new Set([...files, ...this.alsoLoad])].sort();
    for (const f of unique) {
      const bad = checkGgufFile(f);
      if (bad) throw new EngineLoadError(bad);
    }
    const key = unique.join('\n');
    if (this.current?.key !== key) {
      const old = this.current;
      this.current = null;
      if (old) await old.engine.then((e) => e.close(), () => undefined);
      const names = uniqueNames(unique);
      const engine = startEngineProcess(unique.map((file, i) => ({ name: names[i]!, file })));
      this.current = { key, engine };
      engine.catch(() => {
        if (this.current?.engine === engine) this.current = null;
      });
    }
    const e = await this.current!.engine;
    const served = new Map(e.models.map((info) => [info.file, { name: info.name, info }]));
    return { url: e.url, served, pid: e.pid };
  }

  async dispose(): Promise<void> {
    const old = this.current;
    this.current = null;
    if (old) await old.engine.then((e) => e.close(), () => undefined);
  }
}

/** File names without .gguf, made unique with a counter. */
function uniqueNames(files: string[]): string[] {
  const seen = new Map<string, number>();
  return files.map((f) => {
    const base = basename(f).replace(/\.gguf$/i, '') || 'model';
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base}-${n}`;
  });
}
