// src/core (and the in-process models) stay pure: no vscode, no network, no file system, no processes.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const FORBIDDEN = /^(vscode|openai|undici|ws|node-fetch|axios|(node:)?(https?|http2|fs|fs\/promises|net|tls|dgram|dns|child_process|worker_threads|cluster|os|process|module|vm|inspector|readline|repl))$/;
const OTHER_LAYERS = /(^|\/)(backends|server|cli|extension|webview)(\/|$)/;

/** Every module specifier imported, re-exported or required in TypeScript source. */
export function importsOf(source: string): string[] {
  const specs: string[] = [];
  const re = /(?:import|export)\s+(?:type\s+)?(?:[^'"`;]*?\sfrom\s+)?['"]([^'"]+)['"]|(?:import|require)\s*\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const m of source.matchAll(re)) specs.push(m[1] ?? m[2]);
  return specs;
}

export function violations(source: string): string[] {
  const bad = importsOf(source).filter((s) => FORBIDDEN.test(s) || OTHER_LAYERS.test(s));
  // Globals that do I/O without an import.
  for (const g of ['fetch(', 'XMLHttpRequest', 'WebSocket', 'process.env', 'require(']) if (source.includes(g)) bad.push(g);
  return bad;
}

const walk = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
  });

test('the checker itself catches forbidden imports (so the next test can fail)', () => {
  assert.deepEqual(violations(`import * as vscode from 'vscode';`), ['vscode']);
  assert.deepEqual(violations(`import OpenAI from "openai"`), ['openai']);
  assert.deepEqual(violations(`import { readFileSync } from 'node:fs';\nexport { x } from '../backends/index';`), ['node:fs', '../backends/index']);
  assert.deepEqual(violations(`const h = await import('node:http');`), ['node:http']);
  assert.deepEqual(violations(`import type { X } from './model';\nimport { z } from 'zod';`), []);
});

const pure = ['src/core', 'src/models/tabular.ts', 'src/models/exact.ts', 'src/models/inProcess.ts'];
test(`${pure.join(', ')} import no vscode, openai, node:http(s)/fs/net/child_process or other I/O, nor outer layers`, () => {
  const files = pure.flatMap((p) => (p.endsWith('.ts') ? [join(root, p)] : walk(join(root, p))));
  assert.ok(files.length >= 10);
  for (const f of files) assert.deepEqual(violations(readFileSync(f, 'utf8')), [], f);
});
