// Recomputes the exact columns (E[r], KL, E[r] − β·KL of each strategy's limit policy) of a tabular eval folder's answers
// with the current src/models/exactStrategies.ts, from the world's settings plus each answer's swept settings; rewrites
// answers.jsonl. The settings an answer ran with are those whose point key (runner.ts: sha1 of the strategy and the settings
// it reads) equals the record's: the current defaults, or the defaults before the estimator/strength/gate defaults changed.
// Usage: node --import tsx bench/eval/reexact.ts DIR
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDecodingParams } from '../../src/core/params';
import type { AnswerRecord } from '../../src/eval/records';
import { createHash } from 'node:crypto';
import { usedSettings, withKey } from '../../src/eval/sweep';
import { tabularEvalWorld } from '../../src/eval/worlds';

const dir = process.argv[2];
if (!dir) throw new Error('usage: reexact.ts DIR');
const world = tabularEvalWorld('http://127.0.0.1:9'); // only its settings and exact values are used
const file = join(dir, 'answers.jsonl');
let changed = 0;
let unknown = 0;
/** The defaults before they were chosen from these sweeps (k, N, H are the tabular world's own either way). */
const BEFORE = { strength: 'alpha', klBudget: 0.1, gate: { by: 'none' } };
const out = readFileSync(file, 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => {
    const r = JSON.parse(l) as AnswerRecord;
    if (r.kind !== 'answer' || r.error) return l;
    const key = (p: ReturnType<typeof parseDecodingParams>) => createHash('sha1').update(JSON.stringify([r.strategy, usedSettings(r.strategy, p)])).digest('hex').slice(0, 16);
    let params = null;
    for (const base of [{}, BEFORE]) {
      let input = { ...(world.config.decoding as Record<string, unknown>), ...base };
      for (const [k, v] of Object.entries(r.swept)) input = withKey(input, k, v) as Record<string, unknown>;
      const p = parseDecodingParams(input);
      if (key(p) === r.point) {
        params = p;
        break;
      }
    }
    if (!params) unknown++;
    const exact = params ? world.exact!(r.strategy, params, r.prompt) : null;
    if (JSON.stringify(exact) !== JSON.stringify(r.exact)) changed++;
    return JSON.stringify({ ...r, exact });
  });
writeFileSync(file, out.join('\n') + '\n');
process.stdout.write(`${file}: ${changed} of ${out.length} exact values changed; ${unknown} answers whose settings were not found (exact left empty)\n`);
