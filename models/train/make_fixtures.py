"""Writes the seeded random-weight GGUF test fixtures (test/fixtures/gguf/) and their PyTorch reference JSON.

random-a / random-b share one tokenizer (trained on the demo corpus); random-other-vocab has another
vocabulary (a different size), for the "base and baseline have different tokenizers" error. random-b
uses grouped-query attention (2 KV heads) so the fixtures also cover llama.cpp's GQA layout.
Usage: python3 make_fixtures.py CORPUS.txt OUT_DIR
"""
import json
import os
import sys

import torch

import model as M
import tokenizer as T

REFERENCE_SENTENCES = [
    'The customer service was excellent.',
    'The food was cold and tasted awful.',
    'Thank you so much for your help!',
    'My manager said no.',
    '  Two leading spaces and a double  space.',
    'Café crème, naïve résumé — 100% ok?',
    'Emoji 🙂 and tabs\tand newlines\nhere.',
    'zzzz qqqq xylophone',
    '',
    '1234567890',
]
REFERENCE_PROMPTS = ['The customer service was', 'The delivery', 'Sorry, I']


def random_model(cfg, seed):
    torch.manual_seed(seed)
    m = M.Llama(cfg)
    with torch.no_grad():
        for name, p in M.tensor_map(m).items():
            if p.dim() == 1:
                p.copy_(1 + 0.2 * torch.randn_like(p))
            elif name == 'token_embd.weight':
                p.normal_(0, 1)
            else:
                # larger than a training init, so the next-token distributions are far from uniform
                p.normal_(0, 2.0 / p.shape[1] ** 0.5)
    return m


def main():
    corpus_path, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    sentences = [s for s in open(corpus_path, encoding='utf-8').read().split('\n') if s.strip()]
    tok_a = T.train(sentences, 512)
    tok_o = T.train(sentences, 416)
    fixtures = [
        ('random-a', tok_a, M.Config(vocab=tok_a.size, dim=64, layers=2, heads=4, kv_heads=4, ffn=96, ctx=128), 1, True),
        ('random-b', tok_a, M.Config(vocab=tok_a.size, dim=64, layers=2, heads=4, kv_heads=2, ffn=96, ctx=128), 2, True),
        ('random-other-vocab', tok_o, M.Config(vocab=tok_o.size, dim=64, layers=2, heads=4, kv_heads=4, ffn=96, ctx=128), 3, True),
    ]
    info = {'about': 'Seeded random-weight llama GGUFs written by models/train/gguf.py; test fixtures, not models. '
                     'Reference log-probs: PyTorch float64 on the weights as stored in the file. '
                     'Regenerate: models/train/make.sh fixtures', 'files': {}}
    for name, tok, cfg, seed, f16 in fixtures:
        m = random_model(cfg, seed)
        path = os.path.join(out, name + '.gguf')
        M.export(m, tok, path, name, f16=f16, extra={'general.description': 'tqstar test fixture: seeded random weights'})
        info['files'][name + '.gguf'] = {
            'seed': seed, 'config': M.config_dict(cfg), 'params': m.n_params(), 'weights': 'F16' if f16 else 'F32',
            'vocab_size': tok.size, 'bos': T.BOS, 'eos': T.EOS, 'unk': T.UNK, 'bytes': os.path.getsize(path),
            'tokenizations': [{'text': s, 'ids': tok.encode(s)} for s in REFERENCE_SENTENCES],
            'prompts': M.reference_logprobs(M.load_gguf(path)[0], tok, REFERENCE_PROMPTS),
        }
        print(name, os.path.getsize(path), 'bytes', m.n_params(), 'params', 'vocab', tok.size)
    with open(os.path.join(out, 'fixtures.json'), 'w', encoding='utf-8') as f:
        json.dump(info, f, ensure_ascii=False, indent=1)


if __name__ == '__main__':
    torch.set_num_threads(1)
    main()
