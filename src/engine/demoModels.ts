// Finds the project's tiny demo models (models/tiny, with its manifest) beside the running code; falls back to the random test fixtures.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface DemoModels {
  /** True for the trained models; false for random-weight fixtures (their text is noise). */
  trained: boolean;
  dir: string;
  /** π_base. */
  sft: string;
  /** ρ_BL for direct transfer: DPO towards the demo reward r (demo-sentiment). */
  direct: string;
  /** ρ_BL for indirect transfer: DPO towards r_BL, with its β_BL. */
  indirect: string;
  directReward: string;
  indirectReward: string;
  betaDirect: number;
  betaIndirect: number;
}

interface Manifest {
  files: Record<string, { beta?: number; reward?: string }>;
}

/** The nearest folder at or above `from` that holds `rel` (only `from` itself unless `upward`). */
function above(from: string, rel: string, upward: boolean): string | null {
  for (let d = from; ; d = dirname(d)) {
    if (existsSync(join(d, rel))) return join(d, rel);
    if (!upward || dirname(d) === d) return null;
  }
}

const here = typeof __dirname !== 'undefined' ? __dirname : process.cwd();

/**
 * From the running code (`here`: dist/ or src/engine/) the search goes up to the checkout or package root;
 * an installed extension passes its own folder and `upward: false`, so nothing outside the package is picked up.
 */
export function findDemoModels(from: string = here, upward = true): DemoModels | null {
  const manifestPath = above(from, join('models', 'tiny', 'manifest.json'), upward);
  if (manifestPath) {
    const dir = dirname(manifestPath);
    const m = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
    const names = Object.keys(m.files);
    const indirect = names.find((n) => n.startsWith('dpo-') && m.files[n]!.reward !== 'sentiment');
    if (m.files['sft.gguf'] && m.files['dpo-sentiment.gguf'] && indirect)
      return {
        trained: true,
        dir,
        sft: join(dir, 'sft.gguf'),
        direct: join(dir, 'dpo-sentiment.gguf'),
        indirect: join(dir, indirect),
        directReward: 'sentiment',
        indirectReward: m.files[indirect]!.reward ?? indirect.replace(/^dpo-|\.gguf$/g, ''),
        betaDirect: m.files['dpo-sentiment.gguf']!.beta ?? 1,
        betaIndirect: m.files[indirect]!.beta ?? 1,
      };
  }
  const fixtures = above(from, join('test', 'fixtures', 'gguf', 'random-a.gguf'), upward);
  if (!fixtures) return null;
  const dir = dirname(fixtures);
  return { trained: false, dir, sft: fixtures, direct: join(dir, 'random-b.gguf'), indirect: join(dir, 'random-b.gguf'), directReward: 'none (random weights)', indirectReward: 'none (random weights)', betaDirect: 1, betaIndirect: 1 };
}
