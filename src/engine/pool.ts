// Keeps one engine child per set of GGUF files, so that runs with the same files reuse the loaded models; closes them on dispose.
// An engine that dies (a native crash) is forgotten, so the next run starts a fresh one, and the run's error says it crashed.
import { homedir } from 'node:os';
import * as nodePath from 'node:path';
import { checkGgufFile } from './ggufFile';
import { EngineLoadError } from './loadFailure';
import type { LoadOptions, ModelInfo } from './localModel';
import { startEngineProcess, type EngineExit, type EngineProcess } from './spawn';

/**
 * "~/x.gguf" (on Windows also "~\x.gguf") → the home directory; a relative path → under `baseDir` (the config file's folder, the
 * workspace). `path` and `home` default to this platform's.
 */
export function resolveModelPath(file: string, baseDir: string | undefined, o: { path?: nodePath.PlatformPath; home?: string } = {}): string {
  const path = o.path ?? nodePath;
  const home = o.home ?? homedir();
  const tilde = file.startsWith('~/') || (path.sep === '\\' && file.startsWith('~\\'));
  const expanded = file === '~' ? home : tilde ? path.resolve(home, file.slice(2)) : file;
  return path.isAbsolute(expanded) ? path.normalize(expanded) : path.resolve(baseDir ?? process.cwd(), expanded);
}

/** An engine that exited without being asked to. */
export interface EngineCrash extends EngineExit {
  files: string[];
  url: string;
}

/**
 * The run's error once its engine crashed: it names the model files and says what happened. `nextRun`: add that the next
 * run starts a fresh engine (true where the pool outlives the run, as in the extension; false for a CLI command).
 */
export function crashMessage(c: EngineCrash, { nextRun = true }: { nextRun?: boolean } = {}): string {
  const how = c.signal ? `killed by ${c.signal}` : `exit code ${c.code}`;
  const oom = c.signal === 'SIGKILL' ? ' (the system may have run out of memory)' : '';
  const tail = c.stderr.filter((l) => l.trim()).slice(-3).join(' | ');
  return `the local llama.cpp engine crashed (${how})${oom} while serving ${c.files.join(', ')}${tail ? `: ${tail}` : ''}${nextRun ? '; the next run starts a fresh engine' : ''}`;
}

type Starter = (models: LoadOptions[]) => Promise<EngineProcess>;

export interface ServedFile {
  /** The name the engine serves the file under (the `model` of requests). */
  name: string;
  info: ModelInfo;
}

export class EnginePool {
  private current: { key: string; engine: Promise<EngineProcess> } | null = null;
  /** Engines started by this pool, by URL, with how they ended (once they have). */
  private readonly started = new Map<string, { files: string[]; process: EngineProcess; crash?: EngineCrash }>();

  /**
   * `alsoLoad`: files loaded with every set, so that runs switching among them (the demo's pairs) keep one engine.
   * `start`: how an engine is started (tests pass stand-in engines).
   */
  constructor(
    private readonly alsoLoad: readonly string[] = [],
    private readonly start: Starter = (models) => startEngineProcess(models),
  ) {}

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
      const engine = this.start(unique.map((file, i) => ({ name: names[i]!, file })));
      this.current = { key, engine };
      engine.then(
        (e) => this.watch(e, unique, engine),
        () => {
          if (this.current?.engine === engine) this.current = null;
        },
      );
    }
    const e = await this.current!.engine;
    const served = new Map(e.models.map((info) => [info.file, { name: info.name, info }]));
    return { url: e.url, served, pid: e.pid };
  }

  private watch(e: EngineProcess, files: string[], engine: Promise<EngineProcess>): void {
    const entry: { files: string[]; process: EngineProcess; crash?: EngineCrash } = { files, process: e };
    this.started.set(e.url, entry);
    void e.exited.then((x) => {
      if (x.requested) return void this.started.delete(e.url);
      entry.crash = { ...x, files, url: e.url };
      // The next serve() starts a fresh engine.
      if (this.current?.engine === engine) this.current = null;
    });
  }

  /**
   * Why a request to one of this pool's engines failed, when the reason is that the engine died: the crash (waiting up to
   * `waitMs` for the child's exit to be noticed, since a dropped connection can arrive first). Null for any other failure.
   */
  async crashBehind(error: { url?: string; message?: string }, waitMs = 3_000): Promise<EngineCrash | null> {
    const text = `${error.url ?? ''} ${error.message ?? ''}`;
    const entry = [...this.started].find(([url]) => new RegExp(`${url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?!\\d)`).test(text))?.[1];
    if (!entry) return null;
    if (entry.crash) return entry.crash;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([entry.process.exited, new Promise((r) => (timer = setTimeout(r, waitMs)))]);
    clearTimeout(timer);
    // The exit handler above runs before this line when the child exited: a crash is recorded by now.
    await Promise.resolve();
    return entry.crash ?? null;
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
    const base = nodePath.basename(f).replace(/\.gguf$/i, '') || 'model';
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base}-${n}`;
  });
}
