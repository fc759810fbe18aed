// Builds the linux-x64 platform package (tqstar-linux-x64.vsix): the universal package's files plus the local engine
// (dist/engine.mjs, node-llama-cpp and its runtime dependencies, only @node-llama-cpp/linux-x64's CPU binaries) and the
// tiny demo models. The universal package (npm run package) stays engine-free.
// Usage: node scripts/package-linux-x64.mjs [--out FILE]
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packagedReadme } from './packaged-readme.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const out = resolve(root, args.includes('--out') ? args[args.indexOf('--out') + 1] : 'tqstar-linux-x64.vsix');
const stage = join(root, '.cache', 'package-linux-x64');
/** Of node-llama-cpp's optional prebuilds only the CPU one for this platform: no CUDA (~540 MB), no Vulkan. */
const PLATFORM_BINARIES = ['@node-llama-cpp/linux-x64'];

const run = (cmd, argv, cwd = root) => execFileSync(cmd, argv, { cwd, stdio: 'inherit' });
run(process.execPath, ['scripts/build.mjs', '--production', '--only', 'extension']);
run(process.execPath, ['scripts/build.mjs', '--production', '--only', 'webview']);

const models = join(root, 'models', 'tiny');
if (!existsSync(join(models, 'manifest.json'))) throw new Error('package-linux-x64: models/tiny/manifest.json is missing (npm run models builds the tiny models)');

rmSync(stage, { recursive: true, force: true });
mkdirSync(stage, { recursive: true });
const copy = (rel, filter) => cpSync(join(root, rel), join(stage, rel), { recursive: true, ...(filter ? { filter } : {}) });

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
// The bundles inline everything else; the engine's child imports node-llama-cpp from node_modules at run time.
pkg.dependencies = { 'node-llama-cpp': pkg.dependencies['node-llama-cpp'] };
delete pkg.devDependencies;
delete pkg.scripts;
delete pkg.allowScripts;
writeFileSync(join(stage, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
// The README as the Details page shows it (images inlined, relative links as text): scripts/packaged-readme.mjs.
writeFileSync(join(stage, 'README.md'), packagedReadme(readFileSync(join(root, 'README.md'), 'utf8')));
for (const f of ['CHANGELOG.md', 'LICENSE', 'dist/extension.js', 'dist/engine.mjs', 'media/icon.png', 'media/dist']) copy(f);
for (const f of readdirSync(join(root, 'media'))) if (f.endsWith('.svg')) copy(`media/${f}`);
// The walkthrough's pages (contributes.walkthroughs points at them).
if (existsSync(join(root, 'media', 'walkthrough'))) copy('media/walkthrough');
for (const f of readdirSync(models)) if (f.endsWith('.gguf') || f === 'manifest.json') copy(`models/tiny/${f}`);

/** The folder Node would load `name` from when required by a file in `from`. */
function resolveDir(name, from) {
  for (let d = from; ; d = dirname(d)) {
    const p = join(d, 'node_modules', name);
    if (existsSync(join(p, 'package.json'))) return p;
    if (dirname(d) === d) return null;
  }
}

// node-llama-cpp's runtime closure: its dependencies (recursively) and the one platform prebuild.
const closure = new Set();
(function walk(dir) {
  if (closure.has(dir)) return;
  closure.add(dir);
  const p = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const names = [...Object.keys(p.dependencies ?? {}), ...Object.keys(p.optionalDependencies ?? {}).filter((n) => PLATFORM_BINARIES.includes(n))];
  for (const n of names) {
    const d = resolveDir(n, dir);
    if (!d) throw new Error(`package-linux-x64: ${n} (needed by ${relative(root, dir)}) is not installed`);
    walk(d);
  }
})(join(root, 'node_modules', 'node-llama-cpp'));

// Left out: source maps, type declarations, and llama.cpp's source bundle (34 MB, only for building from source).
const keep = (src) => !/\.(map|d\.ts|d\.cts|d\.mts)$/.test(src) && !src.endsWith('gitRelease.bundle');
for (const dir of closure) copy(relative(root, dir), keep);

writeFileSync(
  join(stage, '.vscodeignore'),
  ['**', '!package.json', '!README.md', '!CHANGELOG.md', '!LICENSE', '!dist/extension.js', '!dist/engine.mjs', '!media/icon.png', '!media/*.svg', '!media/dist/*.js', '!media/dist/*.css', '!media/walkthrough/*.md', '!models/tiny/*.gguf', '!models/tiny/manifest.json', '!node_modules/**', ''].join('\n'),
);
const vsce = join(root, 'node_modules', '.bin', 'vsce');
// As the universal package: the README is already rewritten, and the project names no public repository.
run(vsce, ['package', '--target', 'linux-x64', '--no-rewrite-relative-links', '--allow-missing-repository', '--out', out], stage);
console.log(`package-linux-x64: ${out} (${closure.size} packages from node_modules)`);
