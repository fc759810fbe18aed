// The README as packaged for the Details page: images inlined as data: URLs (VS Code's extension editor
// allows only https: and data: images and resolves no relative path), relative links turned into text.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { packagedReadme } from '../../scripts/packaged-readme.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const rewrite = packagedReadme;

/** Markdown images and links outside fenced code and inline code. */
function targets(markdown: string): { images: string[]; links: string[] } {
  let fenced = false;
  const prose = markdown.split('\n').filter((l) => (/^\s*```/.test(l) ? ((fenced = !fenced), false) : !fenced)).join('\n').replace(/`[^`\n]*`/g, '');
  return {
    images: [...prose.matchAll(/!\[[^\]]*\]\(([^)\s]+)\)/g)].map((m) => m[1]),
    links: [...prose.matchAll(/(?<!!)\[[^\]]*\]\(([^)\s]+)\)/g)].map((m) => m[1]),
  };
}

test('the packaged README carries every README image inline, byte for byte, and no relative link', () => {
  const source = targets(readme);
  assert.ok(source.images.length >= 1, 'the README shows a picture');
  const out = rewrite(readme);
  const packed = targets(out);
  assert.equal(packed.images.length, source.images.length);
  source.images.forEach((rel, i) => {
    const m = /^data:image\/png;base64,([A-Za-z0-9+/=]+)$/.exec(packed.images[i]);
    assert.ok(m, `image ${rel} is not inlined: ${packed.images[i].slice(0, 60)}`);
    assert.deepEqual(Buffer.from(m[1], 'base64'), readFileSync(join(root, rel)), `${rel} changed on the way`);
  });
  const relative = packed.links.filter((t) => !/^(https:|mailto:|#)/.test(t));
  assert.deepEqual(relative, [], 'links the Details page cannot open');
  assert.ok(source.links.some((t) => t.startsWith('docs/')), 'the README links docs/');
  // A docs link keeps its words and says where the page is.
  assert.match(out, /Command line \(`docs\/cli\.md`\)/);
  assert.doesNotMatch(out, /example\.invalid/);
});

test('the rewrite leaves code and absolute URLs alone and refuses images the Details page cannot show', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tqstar-readme-'));
  writeFileSync(join(dir, 'a.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]));
  writeFileSync(join(dir, 'b.svg'), '<svg/>');
  const from = join(dir, 'README.md');
  const md = [
    '![pic](a.png) [page](docs/x.md#part) [`docs/y.md`](docs/y.md) [site](https://example.com/z) [top](#top)',
    '`[code](docs/x.md)`',
    '```',
    '![raw](a.png)',
    '```',
  ].join('\n');
  // Inside the repository only: a temporary folder is outside it.
  assert.throws(() => rewrite(md, from), /outside the repository/);
  const inRepo = join(root, 'README.md');
  const out = rewrite(md.replace(/a\.png/g, 'media/icon.png'), inRepo).split('\n');
  assert.match(out[0], /^!\[pic\]\(data:image\/png;base64,[A-Za-z0-9+/=]+\) page \(`docs\/x\.md`\) `docs\/y\.md` \[site\]\(https:\/\/example\.com\/z\) \[top\]\(#top\)$/);
  assert.equal(out[1], '`[code](docs/x.md)`');
  assert.equal(out[3], '![raw](media/icon.png)');
  assert.throws(() => rewrite('![v](media/activitybar.svg)', inRepo), /not PNG, JPEG or GIF/);
  assert.throws(() => rewrite('![v](media/missing.png)', inRepo), /ENOENT/);
});

test('npm run package packages the rewritten README, and nothing names a placeholder host', () => {
  const pkgText = readFileSync(join(root, 'package.json'), 'utf8');
  assert.doesNotMatch(pkgText, /example\.invalid/);
  const script: string = JSON.parse(pkgText).scripts.package;
  const written = /packaged-readme\.mjs (\S+)/.exec(script)?.[1];
  assert.ok(written, script);
  assert.ok(script.includes(`--readme-path ${written}`), script);
  assert.match(script, /--no-rewrite-relative-links/);
  assert.doesNotMatch(readFileSync(join(root, 'scripts', 'package-targets.ts'), 'utf8'), /baseImagesUrl|example\.invalid/);
});
