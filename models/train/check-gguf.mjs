// Loads GGUF files in node-llama-cpp and compares its tokenizer and next-token log-probs with the trainer's
// PyTorch references (fixtures.json or models/tiny/manifest.json). Run with UV_THREADPOOL_SIZE=1:
//   UV_THREADPOOL_SIZE=1 node models/train/check-gguf.mjs test/fixtures/gguf/fixtures.json
// Prints one JSON line per file and KV setting: tokenizer mismatches, max |Δ log p| over the top-20 lists, argmax agreement.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { getLlama } from 'node-llama-cpp';

const refPath = process.argv[2];
const ref = JSON.parse(readFileSync(refPath, 'utf8'));
const llama = await getLlama({ gpu: false, build: 'never', usePrebuiltBinaries: true, skipDownload: true, logLevel: 'error' });
let failed = false;
for (const [file, info] of Object.entries(ref.files)) {
  const model = await llama.loadModel({ modelPath: join(dirname(refPath), file) });
  const bos = model.tokens.bos;
  let tokMismatch = 0;
  for (const t of info.tokenizations ?? ref.tokenizations) {
    const ids = t.text === '' ? [bos] : [bos, ...model.tokenize(t.text)];
    if (JSON.stringify(ids) !== JSON.stringify(t.ids)) {
      tokMismatch++;
      console.error(`${file}: tokenization differs for ${JSON.stringify(t.text)}: engine ${ids} trainer ${t.ids}`);
    }
  }
  for (const [label, opts] of [['f32-kv', { experimentalKvCacheKeyType: 'F32', experimentalKvCacheValueType: 'F32', flashAttention: false }], ['defaults', {}]]) {
    const ctx = await model.createContext({ contextSize: 128, sequences: 1, threads: 1, ...opts });
    let maxDiff = 0, argmaxAgree = 0, positions = 0;
    const seq = ctx.getSequence();
    for (const p of info.prompts) {
      await seq.clearHistory();
      const items = p.ids.map((id) => [id, { generateNext: { probabilities: true } }]);
      const res = await seq.controlledEvaluate(items);
      for (const pos of p.positions) {
        const probs = res[pos.position].next.probabilities;
        positions++;
        if ([...probs.keys()][0] === pos.top[0][0]) argmaxAgree++;
        for (const [id, lp] of pos.top) maxDiff = Math.max(maxDiff, Math.abs(Math.log(probs.get(id)) - lp));
      }
    }
    await ctx.dispose();
    console.log(JSON.stringify({ file, kv: label, tokenizations: (info.tokenizations ?? ref.tokenizations).length, tokMismatch, positions, argmaxAgree, maxAbsDiffLogp: maxDiff }));
    if (tokMismatch || argmaxAgree !== positions) failed = true;
  }
  await model.dispose();
}
process.exit(failed ? 1 : 0);
