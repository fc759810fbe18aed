"""Exports sft and the DPO models as F16 GGUF into models/tiny/ and writes models/tiny/manifest.json with
hashes, β, training settings and losses, and PyTorch float64 references computed from the weights as
stored (F16-rounded): tokenizations, top-20 next-token log-probs, and mean rewards of samples.

  python3 export_all.py WORK_DIR OUT_DIR
"""
import hashlib
import json
import os
import sys
import time

import torch

import model as M
import tokenizer as T
import train

REFERENCE_PROMPTS = [
    'The customer service was', 'The food', 'My manager said', 'The delivery', 'The hotel room',
    'Our neighbour', 'The movie was', 'Thank you for', 'I am sorry, but', 'The app keeps crashing and',
]
# the demo's prompts: each model's mean reward is measured on samples from these
EVAL_PROMPTS = REFERENCE_PROMPTS[:7]
EVAL_SAMPLES = 48
EXTRA_SENTENCES = [
    'Café crème, naïve résumé — 100% ok?', 'Emoji 🙂 and tabs\tand newlines\nhere.', '  Two leading spaces.',
    'zzzz qqqq xylophone', '', '1234567890', 'THE CUSTOMER SERVICE WAS GREAT!!!', "Don't you dare.",
]
MODELS = [('sft', None), ('dpo-sentiment', 'sentiment'), ('dpo-politeness', 'politeness')]


def sha256(path):
    return hashlib.sha256(open(path, 'rb').read()).hexdigest()


def main():
    work, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    tok = T.Tokenizer.load(os.path.join(work, 'tokenizer.json'))
    corpus_path = os.path.join(work, 'corpus.txt')
    sentences = train.read_corpus(corpus_path)
    sft_info = json.load(open(os.path.join(work, 'sft.json')))
    manifest = {
        'about': 'tqstar tiny models: llama-architecture transformers trained by models/train on models/corpus. '
                 'Demo and test models, not for real use. Regenerate with `npm run models`.',
        'tokenizer': {'type': 'SentencePiece-style BPE with byte fallback (tokenizer.ggml.model=llama)',
                      'vocab_size': tok.size, 'bos': T.BOS, 'eos': T.EOS, 'unk': T.UNK, 'add_bos': True,
                      'add_space_prefix': True, 'sha256': hashlib.sha256(json.dumps(tok.to_json()).encode()).hexdigest()},
        'corpus': {'sentences': len(sentences), 'bytes': os.path.getsize(corpus_path), 'sha256': sha256(corpus_path)},
        'sft': sft_info,
        'reference': {'computed_by': f'PyTorch {torch.__version__} float64 on the F16 weights as stored in each file',
                      'top': 20},
        'tokenizations': [{'text': s, 'ids': tok.encode(s)} for s in sentences[::max(1, len(sentences) // 42)][:42] + EXTRA_SENTENCES],
        'eval': {'prompts': EVAL_PROMPTS, 'samples_per_prompt': EVAL_SAMPLES, 'temperature': 1, 'max_new_tokens': 24,
                 'note': 'mean reward of samples from each model (PyTorch float64, seed 1234), under demoSentiment (r) and demoPoliteness (r_BL)'},
        'files': {},
    }
    for name, reward in MODELS:
        t0 = time.time()
        m = train.load(os.path.join(work, name + '.pt'))
        path = os.path.join(out, name + '.gguf')
        M.export(m, tok, path, 'tqstar-tiny-' + name,
                 extra={'general.description': 'tqstar tiny demo/test model (' + name + '), not for real use'})
        g, _ = M.load_gguf(path)
        entry = {'sha256': sha256(path), 'bytes': os.path.getsize(path), 'params': m.n_params(), 'weights': 'F16 (norms F32)'}
        if reward:
            info = json.load(open(os.path.join(work, name + '.json')))
            entry.update({'role': f'DPO from sft towards {reward}', 'reward': reward, 'beta': info['beta'], 'dpo': info})
        else:
            entry.update({'role': 'π_base (SFT on the corpus)', 'final_train_loss': sft_info['final_train_loss'],
                          'final_holdout_loss': sft_info['final_holdout_loss']})
        gen = torch.Generator().manual_seed(1234)
        prompts = [tok.encode(p) for p in EVAL_PROMPTS]
        samples = train.sample(g, prompts, EVAL_SAMPLES, 24, gen)
        texts = [tok.decode(prompts[i][1:] + [c for c in comp if c != T.EOS]) for i, comp in samples]
        scores = train.score(texts)
        entry['eval_mean_reward'] = {k: round(sum(s[k] for s in scores) / len(scores), 4) for k in ('sentiment', 'politeness')}
        entry['eval_examples'] = texts[::EVAL_SAMPLES][:7]
        entry['prompts'] = M.reference_logprobs(g, tok, REFERENCE_PROMPTS)
        manifest['files'][name + '.gguf'] = entry
        train.log(name, entry['bytes'], 'bytes', entry['eval_mean_reward'], f'{time.time() - t0:.0f} s')
    with open(os.path.join(out, 'manifest.json'), 'w', encoding='utf-8') as f:
        json.dump(manifest, f, ensure_ascii=False, indent=1)


if __name__ == '__main__':
    torch.set_num_threads(1)
    main()
