"""SentencePiece-style BPE tokenizer with byte fallback: training, and encoding exactly as llama.cpp's SPM tokenizer.

Encoding mirrors llm_tokenizer_spm_session in src/llama-vocab.cpp (llama.cpp 80fb11a): the text gets a
leading space (add_space_prefix), spaces become U+2581, the text is split into characters, and adjacent
pairs whose concatenation is a vocabulary piece are merged highest score first (ties: leftmost first);
pieces left that are not in the vocabulary are emitted as <0xXX> byte tokens.
"""
import heapq
import json
from collections import Counter

SPACE = '\u2581'
UNK, BOS, EOS = 0, 1, 2
N_BYTES = 256
# llama_token_type values as GGUF's tokenizer.ggml.token_type stores them
TYPE_NORMAL, TYPE_UNKNOWN, TYPE_CONTROL, TYPE_BYTE = 1, 2, 3, 6


def normalize(text):
    return SPACE + text.replace(' ', SPACE)


class Tokenizer:
    def __init__(self, pieces, scores, types):
        self.pieces, self.scores, self.types = pieces, scores, types
        # like llama.cpp's text_to_token, every piece text maps to its id (the last wins on duplicates)
        self.index = {p: i for i, p in enumerate(pieces)}

    @property
    def size(self):
        return len(self.pieces)

    def byte_id(self, b):
        return 3 + b

    def encode(self, text, bos=True):
        if not text:  # llama.cpp tokenizes no fragment at all for an empty text (no space prefix either)
            return [BOS] if bos else []
        sym = list(normalize(text))
        n = len(sym)
        prev = list(range(-1, n - 1))
        nxt = list(range(1, n + 1))
        if n:
            nxt[-1] = -1
        heap = []

        def try_add(left, right):
            if left == -1 or right == -1:
                return
            merged = sym[left] + sym[right]
            tid = self.index.get(merged)
            if tid is None:
                return
            heapq.heappush(heap, (-self.scores[tid], left, right, len(merged)))

        for i in range(1, n):
            try_add(i - 1, i)
        while heap:
            _, left, right, size = heapq.heappop(heap)
            if not sym[left] or not sym[right] or len(sym[left]) + len(sym[right]) != size:
                continue
            sym[left] += sym[right]
            sym[right] = ''
            nxt[left] = nxt[right]
            if nxt[right] >= 0:
                prev[nxt[right]] = left
            try_add(prev[left], left)
            try_add(left, nxt[left])
        out = [BOS] if bos else []
        i = 0 if n else -1
        while i != -1:
            tid = self.index.get(sym[i])
            if tid is not None:
                out.append(tid)
            else:
                out.extend(self.byte_id(b) for b in sym[i].encode('utf-8'))
            i = nxt[i]
        return out

    def decode(self, ids):
        data = bytearray()
        for t in ids:
            if self.types[t] == TYPE_BYTE:
                data.append(t - 3)
            elif self.types[t] == TYPE_NORMAL:
                data += self.pieces[t].replace(SPACE, ' ').encode('utf-8')
        text = data.decode('utf-8', errors='replace')
        return text[1:] if text.startswith(' ') else text

    def to_json(self):
        return {'pieces': self.pieces, 'scores': self.scores, 'types': self.types}

    def save(self, path):
        with open(path, 'w', encoding='utf-8') as f:
            json.dump(self.to_json(), f, ensure_ascii=False)

    @staticmethod
    def load(path):
        with open(path, encoding='utf-8') as f:
            d = json.load(f)
        return Tokenizer(d['pieces'], d['scores'], d['types'])


def train(sentences, vocab_size, min_char_count=2):
    """BPE over words (a word is U+2581 plus the characters up to the next space). The score of a merged
    piece is minus its merge rank, so llama.cpp's highest-score-first order replays the training order.
    Characters rarer than min_char_count are left to the byte fallback."""
    words = Counter()
    for s in sentences:
        for w in normalize(s).split(SPACE):
            if w:
                words[SPACE + w] += 1
    chars = Counter()
    for w, c in words.items():
        for ch in w:
            chars[ch] += c
    base = sorted(ch for ch, c in chars.items() if c >= min_char_count)
    pieces = ['<unk>', '<s>', '</s>'] + [f'<0x{b:02X}>' for b in range(N_BYTES)]
    types = [TYPE_UNKNOWN, TYPE_CONTROL, TYPE_CONTROL] + [TYPE_BYTE] * N_BYTES
    known = set(base)
    segs = {w: [ch for ch in w] for w in words}
    merges = []
    n_merges = vocab_size - len(pieces) - len(base)
    while len(merges) < n_merges:
        pairs = Counter()
        for w, seg in segs.items():
            c = words[w]
            for a, b in zip(seg, seg[1:]):
                if a in known and b in known:
                    pairs[(a, b)] += c
        if not pairs:
            break
        # most frequent pair; ties broken by the text so training is deterministic
        (a, b), count = max(pairs.items(), key=lambda kv: (kv[1], -len(kv[0][0] + kv[0][1]), kv[0]))
        if count < 2:
            break
        merged = a + b
        merges.append(merged)
        known.add(merged)
        for w, seg in segs.items():
            if a not in seg:
                continue
            out, i = [], 0
            while i < len(seg):
                if i + 1 < len(seg) and seg[i] == a and seg[i + 1] == b:
                    out.append(merged)
                    i += 2
                else:
                    out.append(seg[i])
                    i += 1
            segs[w] = out
    scores = [0.0] * len(pieces)
    # merged pieces first (score -rank), then single characters below all merges
    for r, m in enumerate(merges):
        pieces.append(m)
        scores.append(float(-r))
        types.append(TYPE_NORMAL)
    for j, ch in enumerate(base):
        pieces.append(ch)
        scores.append(float(-(len(merges) + j)))
        types.append(TYPE_NORMAL)
    if len(pieces) != vocab_size:
        # a vocabulary that is a multiple of 32 keeps llama.cpp's CPU F16 matmul of the output layer on its
        # exact path (measured: |Δ log p| 3e-6 at 416/448/480/512 tokens, 1.4e-3 at 400/420), so insist on it
        raise ValueError(f'tokenizer: corpus too small for {vocab_size} tokens (got {len(pieces)})')
    return Tokenizer(pieces, scores, types)
