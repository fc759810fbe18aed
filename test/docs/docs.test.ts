// The README is the front door and docs/ the manual: every command the README tells a newcomer to run
// must exist (npm scripts, tqstar subcommands and their flags, VS Code commands, settings), every path
// it names must be in the repository, and every relative link in README.md and docs/*.md must lead to
// a file (and heading) that exists. Product docs name no internal work items.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { HELP } from '../../src/cli/help';
import { main } from '../../src/cli/main';

const root = fileURLToPath(new URL('../..', import.meta.url));
const read = (rel: string) => readFileSync(join(root, rel), 'utf8');
const readme = read('README.md');
const pkg = JSON.parse(read('package.json'));
const docFiles = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** Fenced code blocks (their bodies) and the prose around them. */
function split(markdown: string): { code: string[]; prose: string } {
  const code: string[] = [];
  const prose: string[] = [];
  let block: string[] | null = null;
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) {
      if (block) { code.push(block.join('\n')); block = null; } else block = [];
      continue;
    }
    (block ?? prose).push(line);
  }
  return { code, prose: prose.join('\n') };
}

const { code: readmeCode, prose: readmeProse } = split(readme);
const inlineCode = [...readmeProse.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]);
/** Every command line the README shows: code-block lines and inline code spans. */
const commandLines = [...readmeCode.flatMap((b) => b.split('\n')), ...inlineCode].map((l) => l.replace(/\s+#.*$/, ''));

test('every `npm run X` and npm command in the README names a script of package.json', () => {
  const runs = commandLines.flatMap((l) => [...l.matchAll(/\bnpm run ([\w:-]+)/g)].map((m) => m[1]));
  assert.ok(runs.includes('demo'), 'the README shows npm run demo');
  for (const s of runs) assert.ok(pkg.scripts[s], `README runs "npm run ${s}", which package.json does not define`);
  const shorthands = commandLines.flatMap((l) => [...l.matchAll(/\bnpm (test|start)\b/g)].map((m) => m[1]));
  assert.ok(shorthands.includes('test'), 'the README shows npm test');
  for (const s of shorthands) assert.ok(pkg.scripts[s], `README runs "npm ${s}", which package.json does not define`);
  // The demo must run from a fresh clone after `npm ci`: the README says so on the line that runs it.
  assert.ok(commandLines.some((l) => /npm ci && npm run demo/.test(l)), 'the README shows "npm ci && npm run demo"');
});

test('every tqstar subcommand and flag in the README exists in the CLI', async () => {
  // `tqstar X` or `node dist/cli.js X`; dist/cli.js must be the package's tqstar bin.
  assert.equal(pkg.bin.tqstar.replace(/^\.\//, ''), 'dist/cli.js');
  const uses = commandLines.flatMap((l) => [...l.matchAll(/(?:^|[\s`(=])(?:tqstar|node dist\/cli\.js)\s+([a-z]+)([^|;&]*)/g)].map((m) => ({ sub: m[1], rest: m[2], line: l })));
  assert.ok(uses.length >= 3, `too few tqstar commands found in the README: ${uses.length}`);
  const written: string[] = [];
  const write = process.stdout.write;
  for (const { sub, rest, line } of uses) {
    assert.ok(Object.hasOwn(HELP, sub) && sub !== 'main', `README: "${line}" — tqstar has no command "${sub}"`);
    process.stdout.write = ((s: string) => (written.push(s), true)) as typeof process.stdout.write;
    let code: number;
    try { code = await main([sub, '--help']); } finally { process.stdout.write = write; }
    assert.equal(code, 0, `tqstar ${sub} --help exits ${code}`);
    for (const flag of rest.match(/--[a-z][\w-]*/g) ?? []) assert.ok(HELP[sub].includes(flag), `README: "${line}" — tqstar ${sub} has no ${flag}`);
  }
  assert.ok(written.length > 0);
});

test('every VS Code command and setting the README names is contributed by package.json', () => {
  const titles = new Set<string>(pkg.contributes.commands.map((c: { title: string }) => c.title));
  const named = [...readmeProse.matchAll(/\*\*Transfer Q\\\*: ([^*]+?)\*\*/g)].map((m) => m[1].replace(/\s+/g, ' '));
  assert.ok(named.includes('Try the Demo') && named.includes('Test Connections'), `commands found: ${named.join(', ')}`);
  for (const t of named) assert.ok(titles.has(t), `README names the command "Transfer Q*: ${t}", which package.json does not contribute`);
  const props = new Set(Object.keys(Object.assign({}, ...[pkg.contributes.configuration].flat().map((c: { properties: object }) => c.properties))));
  const keys = [...readme.matchAll(/"?(tqstar\.[A-Za-z]+(?:\.[A-Za-z]+)*)"?\s*:/g)].map((m) => m[1]);
  assert.ok(keys.length >= 5, `settings found: ${keys.join(', ')}`);
  for (const k of keys) assert.ok(props.has(k), `README sets ${k}, which is not a setting`);
});

test('every repository path the README names exists', () => {
  // Paths into the repository's own folders; build output (dist/) and the user's files (~/…) are not checked.
  const tops = readdirSync(root).filter((f) => !f.startsWith('.') && f !== 'node_modules' && f !== 'dist' && statSync(join(root, f)).isDirectory());
  const paths = [...inlineCode, ...readmeCode.flatMap((b) => b.split(/\s+/))]
    .flatMap((s) => s.split(/\s+/))
    .map((s) => s.replace(/^["'(]+|["'),:;.]+$/g, ''))
    .filter((s) => tops.some((t) => s.startsWith(`${t}/`)));
  assert.ok(paths.length >= 2, `paths found: ${paths.join(', ')}`);
  for (const p of paths) assert.ok(existsSync(join(root, p)), `README names ${p}, which does not exist`);
});

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const line of split(markdown).prose.split('\n')) {
    const h = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!h) continue;
    const text = h[1].replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/`/g, '').replace(/\\(.)/g, '$1');
    const base = text.toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '').replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n ? `${base}-${n}` : base);
  }
  for (const m of markdown.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) out.add(m[1]);
  return out;
}

test('every relative link in README.md and docs/*.md resolves to a file, and every anchor to a heading', () => {
  assert.ok(docFiles.includes('docs/README.md'), 'docs/README.md is the table of contents');
  const problems: string[] = [];
  let checked = 0;
  for (const file of docFiles) {
    const { prose } = split(read(file));
    const text = prose.replace(/`[^`\n]*`/g, '');
    for (const m of text.matchAll(/\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      const target = m[1];
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
      checked++;
      const [path, hash] = target.split('#');
      const dest = path ? resolve(root, dirname(file), decodeURI(path)) : join(root, file);
      if (relative(root, dest).startsWith('..')) { problems.push(`${file}: ${target} leaves the repository`); continue; }
      if (!existsSync(dest)) { problems.push(`${file}: ${target} does not exist`); continue; }
      if (hash && dest.endsWith('.md') && !anchors(readFileSync(dest, 'utf8')).has(hash)) problems.push(`${file}: ${target} — no heading #${hash} in ${relative(root, dest)}`);
    }
  }
  assert.deepEqual(problems, []);
  assert.ok(checked > 50, `only ${checked} relative links found`);
});

test('the table of contents links every page in docs/', () => {
  const toc = read('docs/README.md');
  for (const f of docFiles.filter((f) => f.startsWith('docs/') && f !== 'docs/README.md')) {
    assert.ok(toc.includes(`](${f.slice('docs/'.length)}`), `docs/README.md does not link ${f}`);
  }
  assert.ok(readme.includes('](docs/README.md)'), 'README.md links the table of contents');
});

test('the docs name no internal work items', () => {
  for (const file of docFiles) {
    const text = read(file);
    const hit = /\b(issue|item) ?#?\d+|\bSpeed II\b/i.exec(text);
    assert.equal(hit, null, `${file}: "${hit?.[0]}"`);
  }
});

test('the README stays a front door', () => {
  const lines = readme.split('\n').length;
  assert.ok(lines <= 220, `README.md has ${lines} lines; move detail into docs/`);
  // The two commands for a fresh machine come before anything else.
  const first = readmeCode[0] ?? '';
  assert.match(first, /npm run demo/);
  assert.match(first, /npm test/);
});
