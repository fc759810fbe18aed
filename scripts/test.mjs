// Runs every test file under test/ with node's built-in test runner (TypeScript through tsx).
// Unit and HTTP tests first; the end-to-end tests in test/e2e need a packaged .vsix, code-server
// and Chromium (.ci/run installs them) and are skipped with a message when TQSTAR_SKIP_E2E=1.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const walk = (dir) => readdirSync(dir).flatMap((f) => {
  const p = join(dir, f);
  return statSync(p).isDirectory() ? walk(p) : p.endsWith('.test.ts') ? [p] : [];
});
const filter = process.argv.slice(2).filter((a) => !a.startsWith('-'));
let files = walk(join(root, 'test')).map((f) => relative(root, f)).sort();
if (filter.length) files = files.filter((f) => filter.some((x) => f.includes(x)));
// e2e last: they are the slowest, and a unit failure should show first.
files.sort((a, b) => Number(a.startsWith('test/e2e')) - Number(b.startsWith('test/e2e')) || a.localeCompare(b));
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
