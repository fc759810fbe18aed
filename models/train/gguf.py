"""The project's own GGUF v3 writer (and a small reader used to check it) for llama-architecture models.

Format source: ggml's header comment in ggml/include/gguf.h of llama.cpp commit 80fb11a (the source
bundled in node-llama-cpp 3.21.1), which follows ggml's docs/gguf.md: magic "GGUF", uint32 version 3,
int64 tensor count, int64 KV count, KV pairs, tensor infos, then the tensor data aligned to
general.alignment (default 32). Everything is little-endian.
"""
import struct

import numpy as np

# gguf_type (value types of the KV store)
UINT8, INT8, UINT16, INT16, UINT32, INT32, FLOAT32, BOOL, STRING, ARRAY, UINT64, INT64, FLOAT64 = range(13)
# ggml_type of the tensors we write
GGML_F32, GGML_F16 = 0, 1
# llama_ftype of general.file_type
FTYPE_ALL_F32, FTYPE_MOSTLY_F16 = 0, 1

ALIGNMENT = 32
_SCALAR = {UINT8: '<B', INT8: '<b', UINT16: '<H', INT16: '<h', UINT32: '<I', INT32: '<i',
           FLOAT32: '<f', BOOL: '<?', UINT64: '<Q', INT64: '<q', FLOAT64: '<d'}


def _string(s):
    b = s.encode('utf-8')
    return struct.pack('<Q', len(b)) + b


def _value(vtype, value):
    if vtype == STRING:
        return _string(value)
    if vtype == ARRAY:
        etype, items = value
        out = [struct.pack('<IQ', etype, len(items))]
        if etype == STRING:
            out.extend(_string(x) for x in items)
        else:
            out.append(np.asarray(items, dtype=np.dtype(_SCALAR[etype])).tobytes())
        return b''.join(out)
    return struct.pack(_SCALAR[vtype], value)


class GGUFWriter:
    """Collects KV pairs and tensors, then writes one file. Tensors are numpy arrays in C order
    (PyTorch layout); GGUF lists dimensions innermost first, so the shape is written reversed and a
    PyTorch Linear weight [out, in] becomes ggml's ne = [in, out] with the same bytes."""

    def __init__(self):
        self.kv = []
        self.tensors = []

    def add(self, key, vtype, value):
        self.kv.append((key, vtype, value))

    def add_tensor(self, name, array, ggml_type):
        dtype = {GGML_F32: np.float32, GGML_F16: np.float16}[ggml_type]
        data = np.ascontiguousarray(np.asarray(array, dtype=dtype))
        self.tensors.append((name, data, ggml_type))

    def to_bytes(self):
        head = [b'GGUF', struct.pack('<IQQ', 3, len(self.tensors), len(self.kv))]
        for key, vtype, value in self.kv:
            head += [_string(key), struct.pack('<I', vtype), _value(vtype, value)]
        offset = 0
        blobs = []
        for name, data, ggml_type in self.tensors:
            dims = list(reversed(data.shape))
            head += [_string(name), struct.pack('<I', len(dims)), struct.pack(f'<{len(dims)}q', *dims),
                     struct.pack('<IQ', ggml_type, offset)]
            raw = data.tobytes()
            pad = (-len(raw)) % ALIGNMENT
            blobs.append(raw + b'\0' * pad)
            offset += len(raw) + pad
        header = b''.join(head)
        header += b'\0' * ((-len(header)) % ALIGNMENT)
        return header + b''.join(blobs)

    def write(self, path):
        with open(path, 'wb') as f:
            f.write(self.to_bytes())


def read(path):
    """Parses a GGUF file written by this module: (kv dict, {name: numpy array}). For round-trip checks."""
    buf = open(path, 'rb').read()
    pos = 0

    def take(fmt):
        nonlocal pos
        vals = struct.unpack_from(fmt, buf, pos)
        pos += struct.calcsize(fmt)
        return vals

    def string():
        nonlocal pos
        (n,) = take('<Q')
        s = buf[pos:pos + n].decode('utf-8')
        pos += n
        return s

    def value(vtype):
        if vtype == STRING:
            return string()
        if vtype == ARRAY:
            etype, n = take('<IQ')
            return [value(etype) for _ in range(n)]
        return take(_SCALAR[vtype])[0]

    assert buf[:4] == b'GGUF', 'not a GGUF file'
    pos = 4
    version, n_tensors, n_kv = take('<IQQ')
    assert version == 3
    kv = {}
    for _ in range(n_kv):
        key = string()
        (vtype,) = take('<I')
        kv[key] = value(vtype)
    infos = []
    for _ in range(n_tensors):
        name = string()
        (nd,) = take('<I')
        dims = take(f'<{nd}q')
        gtype, off = take('<IQ')
        infos.append((name, dims, gtype, off))
    align = kv.get('general.alignment', ALIGNMENT)
    start = pos + ((-pos) % align)
    tensors = {}
    for name, dims, gtype, off in infos:
        dtype = {GGML_F32: np.float32, GGML_F16: np.float16}[gtype]
        count = int(np.prod(dims))
        arr = np.frombuffer(buf, dtype=dtype, count=count, offset=start + off)
        tensors[name] = arr.reshape(tuple(reversed(dims)))
    return kv, tensors
