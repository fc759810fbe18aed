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
