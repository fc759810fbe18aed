"""The llama-architecture transformer in PyTorch, computed the way llama.cpp's LLM_ARCH_LLAMA graph computes it,
and its export to GGUF.

Rope is llama.cpp's LLAMA_ROPE_TYPE_NORM (adjacent pairs (x[2i], x[2i+1]) rotate together), so the
Q/K weights are exported as trained, with no permutation (HF checkpoints use the NeoX half-split layout
and need convert_hf_to_gguf's permute; ours never had it).
"""
import math
from dataclasses import asdict, dataclass

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import gguf


@dataclass
class Config:
    vocab: int
    dim: int = 128
    layers: int = 4
    heads: int = 4
    kv_heads: int = 4
    ffn: int = 352
    ctx: int = 128
    eps: float = 1e-5
    rope_base: float = 10000.0


class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rope(x, base):
    """x: [B, T, H, D]; rotates the pairs (x[..., 2i], x[..., 2i+1]) by pos·base^(-2i/D)."""
    _, t, _, d = x.shape
    inv = base ** (-torch.arange(0, d, 2, dtype=torch.float64) / d)
    ang = torch.arange(t, dtype=torch.float64)[:, None] * inv[None, :]
    cos = ang.cos().to(x.dtype)[None, :, None, :]
    sin = ang.sin().to(x.dtype)[None, :, None, :]
    x0, x1 = x[..., 0::2], x[..., 1::2]
    return torch.stack((x0 * cos - x1 * sin, x0 * sin + x1 * cos), dim=-1).flatten(-2)


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        hd = c.dim // c.heads
        self.c, self.hd = c, hd
        self.attn_norm = RMSNorm(c.dim, c.eps)
        self.q = nn.Linear(c.dim, c.heads * hd, bias=False)
        self.k = nn.Linear(c.dim, c.kv_heads * hd, bias=False)
        self.v = nn.Linear(c.dim, c.kv_heads * hd, bias=False)
        self.o = nn.Linear(c.heads * hd, c.dim, bias=False)
        self.ffn_norm = RMSNorm(c.dim, c.eps)
        self.gate = nn.Linear(c.dim, c.ffn, bias=False)
        self.up = nn.Linear(c.dim, c.ffn, bias=False)
        self.down = nn.Linear(c.ffn, c.dim, bias=False)

    def forward(self, h, mask):
        c, hd = self.c, self.hd
        b, t, _ = h.shape
        x = self.attn_norm(h)
        q = rope(self.q(x).view(b, t, c.heads, hd), c.rope_base)
        k = rope(self.k(x).view(b, t, c.kv_heads, hd), c.rope_base)
        v = self.v(x).view(b, t, c.kv_heads, hd)
        if c.kv_heads != c.heads:  # llama.cpp's GQA: query head i reads kv head i // (heads / kv_heads)
            rep = c.heads // c.kv_heads
            k, v = k.repeat_interleave(rep, dim=2), v.repeat_interleave(rep, dim=2)
        q, k, v = (z.transpose(1, 2) for z in (q, k, v))
        att = (q @ k.transpose(-1, -2)) / math.sqrt(hd) + mask
        y = (att.softmax(-1) @ v).transpose(1, 2).reshape(b, t, c.heads * hd)
        h = h + self.o(y)
        x = self.ffn_norm(h)
        return h + self.down(F.silu(self.gate(x)) * self.up(x))


class Llama(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.embed = nn.Embedding(c.vocab, c.dim)
        self.blocks = nn.ModuleList(Block(c) for _ in range(c.layers))
        self.norm = RMSNorm(c.dim, c.eps)
        self.output = nn.Linear(c.dim, c.vocab, bias=False)

    def forward(self, tokens):
        t = tokens.shape[1]
        dtype = self.embed.weight.dtype
        mask = torch.full((t, t), float('-inf'), dtype=dtype).triu(1)
        h = self.embed(tokens)
        for blk in self.blocks:
            h = blk(h, mask)
        return self.output(self.norm(h))

    def n_params(self):
        return sum(p.numel() for p in self.parameters())


def tensor_map(model):
    """GGUF tensor name → PyTorch parameter, in llama.cpp's names (llm_tensor names of LLM_ARCH_LLAMA)."""
    m = {'token_embd.weight': model.embed.weight}
    for i, b in enumerate(model.blocks):
        p = f'blk.{i}.'
        m.update({p + 'attn_norm.weight': b.attn_norm.weight, p + 'attn_q.weight': b.q.weight,
                  p + 'attn_k.weight': b.k.weight, p + 'attn_v.weight': b.v.weight,
                  p + 'attn_output.weight': b.o.weight, p + 'ffn_norm.weight': b.ffn_norm.weight,
                  p + 'ffn_gate.weight': b.gate.weight, p + 'ffn_up.weight': b.up.weight,
                  p + 'ffn_down.weight': b.down.weight})
    m['output_norm.weight'] = model.norm.weight
    m['output.weight'] = model.output.weight
    return m


def round_to(model, f16):
    """Rounds the 2-D weights to what the GGUF file stores (F16), in place; norms stay F32 like llama.cpp's."""
    with torch.no_grad():
        for name, p in tensor_map(model).items():
            if f16 and p.dim() == 2:
                p.copy_(p.to(torch.float16).to(p.dtype))
            else:
                p.copy_(p.to(torch.float32).to(p.dtype))


def export(model, tok, path, name, f16=True, extra=None):
    c = model.c
    w = gguf.GGUFWriter()
    w.add('general.architecture', gguf.STRING, 'llama')
    w.add('general.name', gguf.STRING, name)
    w.add('general.alignment', gguf.UINT32, gguf.ALIGNMENT)
    w.add('general.file_type', gguf.UINT32, gguf.FTYPE_MOSTLY_F16 if f16 else gguf.FTYPE_ALL_F32)
    for k, v in (extra or {}).items():
        w.add(k, gguf.STRING, v)
    w.add('llama.vocab_size', gguf.UINT32, c.vocab)
    w.add('llama.context_length', gguf.UINT32, c.ctx)
    w.add('llama.embedding_length', gguf.UINT32, c.dim)
    w.add('llama.block_count', gguf.UINT32, c.layers)
    w.add('llama.feed_forward_length', gguf.UINT32, c.ffn)
    w.add('llama.attention.head_count', gguf.UINT32, c.heads)
    w.add('llama.attention.head_count_kv', gguf.UINT32, c.kv_heads)
    w.add('llama.rope.dimension_count', gguf.UINT32, c.dim // c.heads)
    w.add('llama.rope.freq_base', gguf.FLOAT32, c.rope_base)
    w.add('llama.attention.layer_norm_rms_epsilon', gguf.FLOAT32, c.eps)
    w.add('tokenizer.ggml.model', gguf.STRING, 'llama')
    w.add('tokenizer.ggml.tokens', gguf.ARRAY, (gguf.STRING, tok.pieces))
    w.add('tokenizer.ggml.scores', gguf.ARRAY, (gguf.FLOAT32, tok.scores))
    w.add('tokenizer.ggml.token_type', gguf.ARRAY, (gguf.INT32, tok.types))
    w.add('tokenizer.ggml.bos_token_id', gguf.UINT32, 1)
    w.add('tokenizer.ggml.eos_token_id', gguf.UINT32, 2)
    w.add('tokenizer.ggml.unknown_token_id', gguf.UINT32, 0)
    w.add('tokenizer.ggml.add_bos_token', gguf.BOOL, True)
    w.add('tokenizer.ggml.add_eos_token', gguf.BOOL, False)
    w.add('tokenizer.ggml.add_space_prefix', gguf.BOOL, True)
    for tname, p in tensor_map(model).items():
        arr = p.detach().to(torch.float32).numpy()
        w.add_tensor(tname, arr, gguf.GGML_F16 if (f16 and arr.ndim == 2) else gguf.GGML_F32)
    w.write(path)


def load_gguf(path):
    """Rebuilds the PyTorch model from a GGUF file this module wrote (float64, weights exactly as stored)."""
    kv, ts = gguf.read(path)
    c = Config(vocab=len(kv['tokenizer.ggml.tokens']), dim=kv['llama.embedding_length'],
               layers=kv['llama.block_count'], heads=kv['llama.attention.head_count'],
               kv_heads=kv['llama.attention.head_count_kv'], ffn=kv['llama.feed_forward_length'],
               ctx=kv['llama.context_length'], eps=kv['llama.attention.layer_norm_rms_epsilon'],
               rope_base=kv['llama.rope.freq_base'])
    model = Llama(c).double()
    with torch.no_grad():
        for name, p in tensor_map(model).items():
            p.copy_(torch.from_numpy(np.asarray(ts[name], dtype=np.float64)))
    return model, kv


def config_dict(c):
    return asdict(c)


@torch.no_grad()
def logprobs(model, ids):
    """log-softmax of the next-token logits at every position of one token sequence, float64."""
    x = torch.tensor([ids])
    return model(x)[0].double().log_softmax(-1)


def reference_logprobs(model, tok, texts, k=20):
    """The manifest's reference entries: per text its ids and, at every position, the top-k next-token (id, log-prob)."""
    prompts = []
    for text in texts:
        ids = tok.encode(text)
        lp = logprobs(model, ids)
        positions = []
        for pos in range(len(ids)):
            top = lp[pos].topk(k)
            positions.append({'position': pos, 'top': [[int(i), float(v)] for v, i in zip(top.values, top.indices)]})
        prompts.append({'text': text, 'ids': ids, 'positions': positions})
    return prompts
