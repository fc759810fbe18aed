// Owns the decision whether the e2e tests can run: in CI a missing code-server or Chromium is a
// failure (the tests must not silently vanish), elsewhere a skip with the command that fixes it.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../package/vsix';

export const codeServerBin = process.env.TQSTAR_CODE_SERVER ?? join(repoRoot, '.cache/e2e/code-server/node_modules/.bin/code-server');
export const chromiumBin = process.env.TQSTAR_CHROMIUM ?? '/usr/bin/chromium';

export const inCI = !!process.env.CI && !['0', 'false'].includes(process.env.CI.toLowerCase());

/** Why the e2e tests cannot run here, or undefined when they can. */
export function missingPrereqs(): string | undefined {
  const missing = [
    !existsSync(codeServerBin) && `code-server (${codeServerBin})`,
    !existsSync(chromiumBin) && `Chromium (${chromiumBin})`,
  ].filter(Boolean);
  return missing.length ? `missing ${missing.join(' and ')}; install with scripts/install-e2e.sh` : undefined;
}

/**
 * The `skip` option for the e2e suites: a message outside CI when prerequisites are missing or
 * TQSTAR_SKIP_E2E=1; false in CI, so the suite runs and fails loudly on what is missing.
 */
export function e2eSkip(): string | false {
  if (process.env.TQSTAR_SKIP_E2E === '1') return 'TQSTAR_SKIP_E2E=1';
  const missing = missingPrereqs();
  if (!missing) return false;
  if (inCI) return false;
  console.log(`# e2e skipped: ${missing}`);
  return `e2e skipped: ${missing}`;
}
