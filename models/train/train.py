"""Trains the tiny models: the tokenizer and `sft` (π_base) on the corpus, then DPO models from `sft`.

  python3 train.py sft  CORPUS.txt WORK_DIR
  python3 train.py dpo  WORK_DIR REWARD BETA     (REWARD: sentiment | politeness, scored by score.ts)
Everything is seeded; torch uses 2 threads (the machines are 2 shared cores).
"""
import json
import math
import os
import random
import subprocess
import sys
import time

import torch
import torch.nn.functional as F

import model as M
import tokenizer as T

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
VOCAB = 1024
SFT = dict(dim=128, layers=4, heads=4, kv_heads=4, ffn=352, ctx=128)
SFT_TRAIN = dict(steps=1400, batch=32, lr=3e-3, warmup=100, weight_decay=0.05, seed=7, holdout=100)
DPO_TRAIN = dict(samples_per_prompt=8, max_new=24, batch=32, lr=2e-4, seed=11, min_gap=0.1,
                 # epochs per round; politeness is sparse in sft's samples (mean r_BL 0.046), so a second, online round
                 # samples from the round-0 policy (on fewer prompts) to get enough pairs
                 epochs={'sentiment': [2], 'politeness': [3, 1]}, round_prompts=[1200, 600])


def log(*a):
    print(time.strftime('%H:%M:%S'), *a, flush=True)


def read_corpus(path):
    return [s for s in open(path, encoding='utf-8').read().split('\n') if s.strip()]


def batches(seqs, batch, rng):
    while True:
        idx = list(range(len(seqs)))
        rng.shuffle(idx)
        for i in range(0, len(idx) - batch + 1, batch):
            yield [seqs[j] for j in idx[i:i + batch]]


def pad(seqs):
    """Right-pads with EOS; the mask marks the positions whose next token is trained on."""
    n = max(len(s) for s in seqs)
    x = torch.full((len(seqs), n), T.EOS, dtype=torch.long)
    mask = torch.zeros((len(seqs), n - 1))
    for i, s in enumerate(seqs):
        x[i, :len(s)] = torch.tensor(s)
        mask[i, :len(s) - 1] = 1
    return x, mask


def nll(model, seqs):
    x, mask = pad(seqs)
    logits = model(x[:, :-1])
    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), x[:, 1:].reshape(-1), reduction='none')
    return (loss * mask.reshape(-1)).sum() / mask.sum()


def save(model, path):
    torch.save({'config': M.config_dict(model.c), 'state': model.state_dict()}, path)


def load(path):
    d = torch.load(path)
    m = M.Llama(M.Config(**d['config']))
    m.load_state_dict(d['state'])
    return m


def cmd_sft(corpus_path, work):
    os.makedirs(work, exist_ok=True)
    sentences = read_corpus(corpus_path)
    t0 = time.time()
    tok = T.train(sentences, VOCAB)
    tok.save(os.path.join(work, 'tokenizer.json'))
    log('tokenizer', tok.size, 'tokens in', round(time.time() - t0, 1), 's')
    rng = random.Random(SFT_TRAIN['seed'])
    torch.manual_seed(SFT_TRAIN['seed'])
    order = list(range(len(sentences)))
    rng.shuffle(order)
    hold = set(order[:SFT_TRAIN['holdout']])
    seqs = [tok.encode(s) + [T.EOS] for s in sentences]
    train = [s for i, s in enumerate(seqs) if i not in hold]
    valid = [s for i, s in enumerate(seqs) if i in hold]
    c = M.Config(vocab=tok.size, **SFT)
    model = M.Llama(c)
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() == 2:
                p.normal_(0, 0.02)
    opt = torch.optim.AdamW(model.parameters(), lr=SFT_TRAIN['lr'], betas=(0.9, 0.98), weight_decay=SFT_TRAIN['weight_decay'])
    steps, warm = SFT_TRAIN['steps'], SFT_TRAIN['warmup']
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1, (s + 1) / warm) * 0.5 * (1 + math.cos(math.pi * min(s, steps) / steps)))
    it = batches(train, SFT_TRAIN['batch'], rng)
    t0 = time.time()
    ema = None
    history = []
    for step in range(steps):
        loss = nll(model, next(it))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        ema = loss.item() if ema is None else 0.98 * ema + 0.02 * loss.item()
        if step % 200 == 0 or step == steps - 1:
            with torch.no_grad():
                v = nll(model, valid).item()
            history.append({'step': step, 'train_ema': round(ema, 4), 'valid': round(v, 4)})
            log(f'sft step {step} train {ema:.3f} valid {v:.3f} ({time.time() - t0:.0f} s)')
    with torch.no_grad():
        final_train = sum(nll(model, train[i:i + 200]).item() * len(train[i:i + 200]) for i in range(0, len(train), 200)) / len(train)
        final_valid = nll(model, valid).item()
    save(model, os.path.join(work, 'sft.pt'))
    info = {'params': model.n_params(), 'config': M.config_dict(c), 'train': SFT_TRAIN, 'sentences': len(sentences),
            'train_sentences': len(train), 'holdout_sentences': len(valid), 'final_train_loss': round(final_train, 4),
            'final_holdout_loss': round(final_valid, 4), 'history': history, 'seconds': round(time.time() - t0, 1)}
    json.dump(info, open(os.path.join(work, 'sft.json'), 'w'), indent=1)
    log('sft done', info['final_train_loss'], info['final_holdout_loss'])


@torch.no_grad()
def sample(model, prompts, n, max_new, gen):
    """n samples per prompt (token-id lists, BOS first) at temperature 1 from the full distribution;
    returns (prompt index, completion ids) with EOS kept when it was sampled."""
    model.eval()
    out = []
    by_len = {}
    for i, p in enumerate(prompts):
        by_len.setdefault(len(p), []).append(i)
    for _, idx in sorted(by_len.items()):
        for start in range(0, len(idx), 64):
            group = idx[start:start + 64]
            x = torch.tensor([prompts[i] for i in group for _ in range(n)])
            done = torch.zeros(len(x), dtype=torch.bool)
            comp = [[] for _ in range(len(x))]
            for _ in range(max_new):
                probs = model(x)[:, -1].double().softmax(-1)
                nxt = torch.multinomial(probs, 1, generator=gen)[:, 0]
                for j in range(len(x)):
                    if not done[j]:
                        comp[j].append(int(nxt[j]))
                        if nxt[j] == T.EOS:
                            done[j] = True
                if done.all():
                    break
                x = torch.cat([x, nxt[:, None]], 1)
            k = 0
            for i in group:
                for _ in range(n):
                    out.append((i, comp[k]))
                    k += 1
    model.train()
    return out


def score(texts):
    """r and r_BL of each text, from the product's TypeScript rewards (score.ts)."""
    proc = subprocess.run(['node', '--import', 'tsx', os.path.join(ROOT, 'models/train/score.ts')], cwd=ROOT,
                          input='\n'.join(json.dumps(t) for t in texts) + '\n', capture_output=True, text=True, check=True)
    return [json.loads(l) for l in proc.stdout.split('\n') if l.strip()]


def dpo_prompts(sentences, tok, count, rng):
    """Sentence prefixes of 1–4 words (the first words of corpus sentences), deduplicated."""
    seen = []
    for s in sentences:
        words = s.split(' ')
        for k in (2, 3, 4):
            if len(words) > k:
                seen.append(' '.join(words[:k]))
    seen = sorted(set(seen))
    rng.shuffle(seen)
    return seen[:count]


def seq_logp(model, prompts, comps):
    """Sum of log π(completion | prompt) for each pair (a differentiable tensor)."""
    seqs = [p + c for p, c in zip(prompts, comps)]
    x, _ = pad(seqs)
    logits = model(x[:, :-1]).log_softmax(-1)
    lp = logits.gather(-1, x[:, 1:, None])[..., 0]
    mask = torch.zeros_like(lp)
    for i, (p, c) in enumerate(zip(prompts, comps)):
        mask[i, len(p) - 1:len(p) - 1 + len(c)] = 1
    return (lp * mask).sum(-1)


def sft_samples(work, sentences, tok, ref, round_seed=0, path=None):
    """Samples from a model (sft in round 0) on corpus prefixes, scored under both rewards; round 0's samples are
    made once and shared by both DPO runs."""
    path = path or os.path.join(work, 'sft-samples.json')
    cfg = DPO_TRAIN
    key = {k: cfg[k] for k in ('round_prompts', 'samples_per_prompt', 'max_new', 'seed')}
    if round_seed == 0 and os.path.exists(path):
        cached = json.load(open(path))
        if cached['key'] == key:
            return cached
    rng = random.Random(cfg['seed'] + round_seed)
    gen = torch.Generator().manual_seed(cfg['seed'] + round_seed)
    texts = dpo_prompts(sentences, tok, cfg['round_prompts'][min(round_seed, 1)], rng)
    prompts = [tok.encode(t) for t in texts]
    t0 = time.time()
    samples = sample(ref, prompts, cfg['samples_per_prompt'], cfg['max_new'], gen)
    full = [tok.decode(prompts[i][1:] + [c for c in comp if c != T.EOS]) for i, comp in samples]
    scores = score(full)
    out = {'key': key, 'prompts': prompts, 'samples': [[i, comp] for i, comp in samples], 'texts': full, 'scores': scores}
    json.dump(out, open(path, 'w'))
    log(f'sampled {len(samples)} answers (round seed {round_seed}, {time.time() - t0:.0f} s)')
    return out


def preference_pairs(data, reward, min_gap):
    """Within each prompt's group of samples, every pair whose rewards differ by at least min_gap (winner, loser)."""
    prompts, samples, scores = data['prompts'], data['samples'], data['scores']
    groups = {}
    for j, (i, _) in enumerate(samples):
        groups.setdefault(i, []).append(j)
    pairs = []
    for i, js in sorted(groups.items()):
        for a in range(len(js)):
            for b in range(a + 1, len(js)):
                ra, rb = scores[js[a]][reward], scores[js[b]][reward]
                if abs(ra - rb) >= min_gap:
                    w, l = (js[a], js[b]) if ra > rb else (js[b], js[a])
                    pairs.append((prompts[i], samples[w][1], samples[l][1]))
    return pairs


def cmd_dpo(work, reward, beta):
    """DPO (Rafailov et al. 2023): minimise −log σ(β·[(log π_θ − log π_sft)(y_w) − (log π_θ − log π_sft)(y_l)])."""
    beta = float(beta)
    tok = T.Tokenizer.load(os.path.join(work, 'tokenizer.json'))
    sentences = read_corpus(os.path.join(work, 'corpus.txt'))
    ref = load(os.path.join(work, 'sft.pt'))
    policy = load(os.path.join(work, 'sft.pt'))
    for p in ref.parameters():
        p.requires_grad_(False)
    cfg = DPO_TRAIN
    rng = random.Random(cfg['seed'] + (0 if reward == 'sentiment' else 1))
    torch.manual_seed(cfg['seed'])
    opt = torch.optim.Adam(policy.parameters(), lr=cfg['lr'])
    history, rounds, step = [], [], 0
    t0 = time.time()
    for rnd in range(len(cfg['epochs'][reward])):
        # round 0: pairs from sft's samples; later rounds: from the current policy's (online DPO), still against sft
        data = sft_samples(work, sentences, tok, ref) if rnd == 0 else \
            sft_samples(work, sentences, tok, policy, round_seed=rnd, path=os.path.join(work, f'dpo-{reward}-round{rnd}.json'))
        rewards = [s[reward] for s in data['scores']]
        pairs = preference_pairs(data, reward, cfg['min_gap'])
        rounds.append({'round': rnd, 'sampled_from': 'sft' if rnd == 0 else 'policy', 'samples': len(rewards),
                       'mean_reward': round(sum(rewards) / len(rewards), 4), 'pairs': len(pairs)})
        log(f'dpo {reward} round {rnd}: {len(pairs)} preference pairs from {len(rewards)} samples, mean r {sum(rewards) / len(rewards):.3f}')
        step = train_pairs(policy, ref, pairs, beta, opt, rng, history, reward, rnd, t0, step, cfg['epochs'][reward][rnd])
    name = 'dpo-' + reward
    save(policy, os.path.join(work, name + '.pt'))
    info = {'reward': reward, 'beta': beta, 'train': cfg, 'rounds': rounds, 'final_loss': history[-1]['loss'],
            'history': history, 'steps': step, 'seconds': round(time.time() - t0, 1)}
    json.dump(info, open(os.path.join(work, name + '.json'), 'w'), indent=1)


def train_pairs(policy, ref, pairs, beta, opt, rng, history, reward, rnd, t0, step, epochs):
    cfg = DPO_TRAIN
    with torch.no_grad():
        ref_w = torch.cat([seq_logp(ref, [p[0] for p in pairs[i:i + 64]], [p[1] for p in pairs[i:i + 64]]) for i in range(0, len(pairs), 64)])
        ref_l = torch.cat([seq_logp(ref, [p[0] for p in pairs[i:i + 64]], [p[2] for p in pairs[i:i + 64]]) for i in range(0, len(pairs), 64)])
    for epoch in range(epochs):
        order = list(range(len(pairs)))
        rng.shuffle(order)
        tot, acc, n = 0.0, 0, 0
        for b in range(0, len(order), cfg['batch']):
            idx = order[b:b + cfg['batch']]
            pw = seq_logp(policy, [pairs[i][0] for i in idx], [pairs[i][1] for i in idx])
            pl = seq_logp(policy, [pairs[i][0] for i in idx], [pairs[i][2] for i in idx])
            margin = beta * ((pw - ref_w[idx]) - (pl - ref_l[idx]))
            loss = -F.logsigmoid(margin).mean()
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(policy.parameters(), 1.0)
            opt.step()
            step += 1
            tot += loss.item() * len(idx)
            acc += int((margin > 0).sum())
            n += len(idx)
        history.append({'round': rnd, 'epoch': epoch, 'loss': round(tot / n, 4), 'pair_accuracy': round(acc / n, 4)})
        log(f'dpo {reward} round {rnd} epoch {epoch} loss {tot / n:.4f} acc {acc / n:.3f} ({time.time() - t0:.0f} s)')
    return step


if __name__ == '__main__':
    # 1 thread: on the 2 shared cores 2 threads measured 4x slower per step (1.09 s vs 0.27 s)
    torch.set_num_threads(1)
    {'sft': cmd_sft, 'dpo': cmd_dpo}[sys.argv[1]](*sys.argv[2:])
