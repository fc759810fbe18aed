// src/backends and src/cli never import vscode: the CLI and tests run them without VS Code.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const walk = (dir: string): string[] => readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? walk(join(dir, f)) : f.endsWith('.ts') ? [join(dir, f)] : []));

test('no file in src/backends or src/cli imports vscode or the extension/webview layers', () => {
  const offenders: string[] = [];
  for (const dir of ['src/backends', 'src/cli'])
    for (const f of walk(join(root, dir))) {
      const text = readFileSync(f, 'utf8');
      if (/from\s+['"]vscode['"]|require\(['"]vscode['"]\)|from\s+['"][./]*(extension|webview)\//.test(text)) offenders.push(f);
    }
  assert.deepEqual(offenders, []);
});

test('src/backends does no file or process I/O of its own (HTTP only)', () => {
  const offenders = walk(join(root, 'src/backends')).filter((f) => /from\s+['"]node:(fs|child_process|net)['"]/.test(readFileSync(f, 'utf8')));
  assert.deepEqual(offenders, []);
});

const importsIn = (f: string): string[] => [...readFileSync(f, 'utf8').matchAll(/(?:import|export)\s+(?:type\s+)?(?:[^'"`;]*?\sfrom\s+)?['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1] ?? m[2]!);

test('the product path (src/engine, src/vllmApi, src/backends) never imports the reference server\'s room (src/server)', () => {
  const offenders: string[] = [];
  for (const dir of ['src/engine', 'src/vllmApi', 'src/backends'])
    for (const f of walk(join(root, dir))) for (const s of importsIn(f)) if (/(^|\/)server(\/|$)/.test(s)) offenders.push(`${f}: ${s}`);
  assert.deepEqual(offenders, []);
});

test('src/vllmApi depends on src/core only (it is shared by the local engine and the reference server)', () => {
  const offenders: string[] = [];
  for (const f of walk(join(root, 'src/vllmApi'))) for (const s of importsIn(f)) if (s.startsWith('..') && !s.startsWith('../core/')) offenders.push(`${f}: ${s}`);
  assert.deepEqual(offenders, []);
});

test('every dialect module is registered, and HttpLanguageModel names no dialect', () => {
  const files = readdirSync(join(root, 'src/backends/dialects')).filter((f) => f.endsWith('.ts') && /export const \w+: ServerDialect/.test(readFileSync(join(root, 'src/backends/dialects', f), 'utf8')));
  const registry = readFileSync(join(root, 'src/backends/dialects/registry.ts'), 'utf8');
  for (const f of files) assert.match(registry, new RegExp(`from '\\./${f.replace(/\.ts$/, '')}'`), `${f} is not in the registry`);
  const model = readFileSync(join(root, 'src/backends/httpModel.ts'), 'utf8');
  assert.doesNotMatch(model, /'(vllm|sglang|llamacpp|ollama|openai)'/);
});

/** Import cycles among src/ files (relative imports), each as a path of files. */
function cycles(files: string[]): string[][] {
  const rel = (f: string) => f.slice(root.length);
  const edges = new Map<string, string[]>();
  for (const f of files) {
    const out: string[] = [];
    for (const s of importsIn(f)) {
      if (!s.startsWith('.')) continue;
      const base = join(f, '..', s).replace(/\.js$/, '');
      for (const c of [`${base}.ts`, join(base, 'index.ts')]) if (files.includes(c)) out.push(c);
    }
    edges.set(f, out);
  }
  const found: string[][] = [];
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (f: string) => {
    state.set(f, 1);
    stack.push(f);
    for (const g of edges.get(f) ?? []) {
      if (state.get(g) === 1) found.push(stack.slice(stack.indexOf(g)).map(rel));
      else if (!state.has(g)) visit(g);
    }
    stack.pop();
    state.set(f, 2);
  };
  for (const f of files) if (!state.has(f)) visit(f);
  return found;
}

test('no import cycles in src/core, src/backends, src/vllmApi, src/engine, src/server', () => {
  const files = ['src/core', 'src/backends', 'src/vllmApi', 'src/engine', 'src/server'].flatMap((d) => walk(join(root, d)));
  assert.deepEqual(cycles(files), []);
});
