// Checks a model path before llama.cpp sees it: the file exists and starts with GGUF's magic bytes.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import type { LoadFailure } from './loadFailure';

const MAGIC = 'GGUF';

/** null when the file looks like GGUF; otherwise why not, naming the file. */
export function checkGgufFile(file: string): LoadFailure | null {
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) return { kind: 'missing-file', file, message: `${file}: not a file` };
    size = st.size;
  } catch {
    return { kind: 'missing-file', file, message: `${file}: no such file` };
  }
  const head = Buffer.alloc(4);
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    if (size >= 4) readSync(fd, head, 0, 4, 0);
  } catch (e) {
    return { kind: 'missing-file', file, message: `${file}: cannot be read (${e instanceof Error ? e.message : String(e)})` };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  if (size < 4 || head.toString('latin1') !== MAGIC)
    return { kind: 'not-gguf', file, message: `${file}: not a GGUF model file (it does not start with the bytes "GGUF"; safetensors or PyTorch checkpoints must be converted with llama.cpp's convert_hf_to_gguf.py first)` };
  return null;
}
