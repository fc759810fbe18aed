// Builds the platform packages (tqstar-<target>.vsix): the universal package's files plus the local engine (dist/engine.mjs,
// node-llama-cpp's JavaScript and its runtime dependencies, and only the target's own prebuilt llama.cpp binary) and the tiny
// demo models; then checks each package (binary format, allow-list, size budget). The universal package (npm run package)
// stays engine-free.
//
// The prebuilt binaries come from the npm registry as the lock file pins them (`npm pack @node-llama-cpp/<name>@<version>`,
// verified against package-lock.json's sha512), cached in .cache/prebuilds: after the first fetch (or with npm's own cache
// warm) the build needs no network.
//
// Usage: node --import tsx scripts/package-targets.ts [--all | --target T ...] [--out-dir DIR] [--no-check]
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENGINE_TARGETS, packageFileName, type EngineTarget, type VsceTarget } from '../src/engine/platforms';
import { findPackageDir, realFiles } from '../src/engine/launcher';
import { checkPlatformPackage, formatReport } from '../test/package/platformCheck';
import { packagedReadme } from './packaged-readme.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const values = (name: string) => args.flatMap((a, i) => (a === name && args[i + 1] ? [args[i + 1]!] : []));
const outDir = resolve(root, values('--out-dir')[0] ?? '.');
const asked = flag('--all') ? ENGINE_TARGETS.map((t) => t.target) : (values('--target') as VsceTarget[]);
if (!asked.length) throw new Error('package-targets: name --target T (one of ' + ENGINE_TARGETS.map((t) => t.target).join(', ') + ') or --all');
const targets = asked.map((name) => ENGINE_TARGETS.find((t) => t.target === name) ?? fail(`package-targets: no engine package for target ${name}`));

function fail(message: string): never {
  throw new Error(message);
}

const t0 = Date.now();
const run = (cmd: string, argv: string[], cwd = root) => execFileSync(cmd, argv, { cwd, stdio: 'inherit' });
run(process.execPath, ['scripts/build.mjs', '--production', '--only', 'extension']);
run(process.execPath, ['scripts/build.mjs', '--production', '--only', 'webview']);

const models = join(root, 'models', 'tiny');
if (!existsSync(join(models, 'manifest.json'))) fail('package-targets: models/tiny/manifest.json is missing (npm run models builds the tiny models)');

const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string; integrity?: string }> };
const llamaVersion = lock.packages['node_modules/node-llama-cpp']?.version ?? fail('package-targets: node-llama-cpp is not in package-lock.json');

/** The prebuild package's files (its `package/` folder), from the verified tarball in .cache/prebuilds. */
function prebuild(t: EngineTarget): string {
  const pinned = lock.packages[`node_modules/${t.prebuild}`];
  if (!pinned?.integrity || pinned.version !== llamaVersion) fail(`package-targets: package-lock.json pins no ${t.prebuild}@${llamaVersion} with an integrity hash`);
  const cache = join(root, '.cache', 'prebuilds');
  mkdirSync(cache, { recursive: true });
  const tgz = join(cache, `${t.prebuild.slice(1).replace('/', '-')}-${llamaVersion}.tgz`);
  if (!existsSync(tgz)) run('npm', ['pack', '--prefer-offline', '--silent', '--pack-destination', cache, `${t.prebuild}@${llamaVersion}`]);
  const [algo, want] = pinned.integrity.split('-') as [string, string];
  const got = createHash(algo).update(readFileSync(tgz)).digest('base64');
  if (got !== want) {
    rmSync(tgz);
    fail(`package-targets: ${tgz} does not match package-lock.json's ${algo} (removed; run again to fetch it anew)`);
  }
  const dir = join(cache, `${t.target}-${llamaVersion}`);
  if (!existsSync(join(dir, 'package', 'package.json'))) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    run('tar', ['-xzf', tgz, '-C', dir]);
  }
  return join(dir, 'package');
}

// node-llama-cpp's runtime closure (JavaScript only): its dependencies, recursively. Its optional dependencies are the
// prebuilt binaries; each package gets its own target's one from the registry tarball instead.
const closure = new Set<string>();
(function walk(dir: string) {
  if (closure.has(dir)) return;
  closure.add(dir);
  const p = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  for (const n of Object.keys(p.dependencies ?? {})) walk(findPackageDir(n, dir, realFiles) ?? fail(`package-targets: ${n} (needed by ${relative(root, dir)}) is not installed`));
})(join(root, 'node_modules', 'node-llama-cpp'));

// Left out: source maps, type declarations, llama.cpp's source bundle (34 MB, only for building from source), any other
// package's prebuilt binaries, and import libraries (.lib, for linking against the addon, never loaded).
const keepJs = (src: string) => !/\.(map|d\.ts|d\.cts|d\.mts)$/.test(src) && !src.endsWith('gitRelease.bundle') && !/[\\/]node_modules[\\/]@node-llama-cpp[\\/]/.test(src);
const keepBin = (src: string) => !/\.(lib|pdb|exp)$/i.test(src);

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, unknown> & { dependencies: Record<string, string>; scripts: Record<string, string> };
const vsce = join(root, 'node_modules', '.bin', 'vsce');
const built: Array<{ target: VsceTarget; file: string; seconds: number }> = [];

for (const t of targets) {
  const t1 = Date.now();
  const stage = join(root, '.cache', `package-${t.target}`);
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });
  const copy = (rel: string, filter?: (src: string) => boolean) => cpSync(join(root, rel), join(stage, rel), { recursive: true, ...(filter ? { filter } : {}) });

  // The bundles inline everything else; the engine's child imports node-llama-cpp from node_modules at run time.
  const manifest: Record<string, unknown> = { ...pkg, dependencies: { 'node-llama-cpp': pkg.dependencies['node-llama-cpp'] } };
  for (const k of ['devDependencies', 'scripts', 'allowScripts']) delete manifest[k];
  writeFileSync(join(stage, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
  // The README as the Details page shows it (images inlined, relative links as text): scripts/packaged-readme.mjs.
  writeFileSync(join(stage, 'README.md'), packagedReadme(readFileSync(join(root, 'README.md'), 'utf8')));
  for (const f of ['CHANGELOG.md', 'LICENSE', 'dist/extension.js', 'dist/engine.mjs', 'media/icon.png', 'media/dist']) copy(f);
  for (const f of readdirSync(join(root, 'media'))) if (f.endsWith('.svg')) copy(`media/${f}`);
  // The walkthrough's pages (contributes.walkthroughs points at them).
  if (existsSync(join(root, 'media', 'walkthrough'))) copy('media/walkthrough');
  for (const f of readdirSync(models)) if (f.endsWith('.gguf') || f === 'manifest.json') copy(`models/tiny/${f}`);
  for (const dir of closure) copy(relative(root, dir), keepJs);
  cpSync(prebuild(t), join(stage, 'node_modules', ...t.prebuild.split('/')), { recursive: true, filter: keepBin });

  writeFileSync(
    join(stage, '.vscodeignore'),
    ['**', '!package.json', '!README.md', '!CHANGELOG.md', '!LICENSE', '!dist/extension.js', '!dist/engine.mjs', '!media/icon.png', '!media/*.svg', '!media/dist/*.js', '!media/dist/*.css', '!media/walkthrough/*.md', '!models/tiny/*.gguf', '!models/tiny/manifest.json', '!node_modules/**', ''].join('\n'),
  );
  const out = join(outDir, packageFileName(t.target));
  // As the universal package: the README is already rewritten, and the project names no public repository.
  run(vsce, ['package', '--target', t.target, '--no-rewrite-relative-links', '--allow-missing-repository', '--out', out], stage);
  built.push({ target: t.target, file: out, seconds: (Date.now() - t1) / 1000 });
}

let bad = 0;
for (const b of built) {
  const size = statSync(b.file).size;
  if (flag('--no-check')) {
    console.log(`package-targets: ${relative(root, b.file)} ${(size / 1e6).toFixed(1)} MB (${b.seconds.toFixed(0)} s, not checked)`);
    continue;
  }
  const report = checkPlatformPackage(b.file, b.target);
  bad += report.problems.length ? 1 : 0;
  console.log(`package-targets: ${formatReport(report)} (${b.seconds.toFixed(0)} s)`);
}
console.log(`package-targets: ${built.length} package(s) in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
if (bad) fail(`package-targets: ${bad} package(s) failed their checks`);
