// Scores texts with the product's own demo rewards, so training uses the identical r and r_BL.
// stdin: one JSON string per line; stdout: one {"sentiment": r, "politeness": r_BL} per line.
import { readFileSync } from 'node:fs';
import { demoPoliteness, demoSentiment } from '../../src/models/wordDemoReward.ts';

const lines = readFileSync(0, 'utf8').split('\n').filter((l) => l.trim());
const out = lines.map((line) => {
  const text = JSON.parse(line) as string;
  return JSON.stringify({ sentiment: demoSentiment(text), politeness: demoPoliteness(text) });
});
process.stdout.write(out.join('\n') + (out.length ? '\n' : ''));
