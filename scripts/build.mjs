// Builds every bundle with esbuild: the extension host bundle, the CLI, the local engine's child, and the webview scripts.
// Usage: node scripts/build.mjs [--production] [--watch] [--only extension|cli|webview]
import * as esbuild from 'esbuild';
import { chmodSync, existsSync, mkdirSync, copyFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const production = args.includes('--production');
const watch = args.includes('--watch');
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;

// sentiment's optional `require('../languages/' + code)` finds nothing to bundle; only its built-in English is used.
const node = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', sourcemap: !production, minify: production, logLevel: 'warning', logOverride: { 'empty-glob': 'silent' } };
// The local engine's child process: ESM, because node-llama-cpp is ESM only and ships native binaries (never bundled).
const engine = { ...node, format: 'esm', entryPoints: ['src/engine/child.ts'], outfile: 'dist/engine.mjs', external: ['node-llama-cpp'] };
const targets = {
  extension: [{ ...node, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', external: ['vscode', 'node-llama-cpp'] }, engine],
  // dist/cli.js is src/cli/loader.cjs (copied below): it handles Ctrl-C while Node compiles the bundle, then loads it.
  cli: [{ ...node, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli-main.js', external: ['node-llama-cpp'] }, engine],
  webview: ['panel', 'sidebar', 'eval'].map((name) => ({
    bundle: true, platform: 'browser', target: 'es2022', format: 'iife', sourcemap: !production, minify: production, logLevel: 'warning',
    entryPoints: [`src/webview/${name}.ts`], outfile: `media/dist/${name}.js`,
  })),
};

const selected = only ? { [only]: targets[only] } : targets;
if (only && !targets[only]) throw new Error(`unknown --only ${only}; expected one of ${Object.keys(targets).join(', ')}`);
process.chdir(root);
for (const [name, list] of Object.entries(selected)) {
  for (const opts of list) {
    if (!existsSync(opts.entryPoints[0])) throw new Error(`build: missing entry point ${opts.entryPoints[0]} (${name})`);
    if (watch) await (await esbuild.context(opts)).watch();
    else await esbuild.build(opts);
  }
}
if (!only || only === 'cli') {
  copyFileSync('src/cli/loader.cjs', 'dist/cli.js');
  chmodSync('dist/cli.js', 0o755);
}
// Webview stylesheets are plain CSS, copied beside the scripts.
if (!only || only === 'webview') {
  mkdirSync('media/dist', { recursive: true });
  for (const f of existsSync('src/webview') ? readdirSync('src/webview') : []) if (f.endsWith('.css')) copyFileSync(join('src/webview', f), join('media/dist', f));
}
if (!watch) console.log(`build: ${Object.keys(selected).join(', ')}${production ? ' (production)' : ''} done`);
