// Reads what machine a native binary is for from its first bytes: ELF, Mach-O (thin or fat) and PE/COFF headers.
// Pure; used by the engine launcher (before it starts the engine) and by the package checks.

export type Container = 'elf' | 'macho' | 'pe';
/** Node's names where one exists (process.arch). */
export type MachineArch = 'x64' | 'arm64' | 'arm' | 'ia32' | 'riscv64' | 'ppc64' | 's390x' | 'other';

export interface BinaryFormat {
  container: Container;
  arch: MachineArch;
}

export interface BinaryInfo extends BinaryFormat {
  /** 64 for ELFCLASS64, Mach-O 64-bit, PE32+; 32 otherwise. */
  bits: 32 | 64;
  /** A fat Mach-O: every architecture it holds (arch is then its first). */
  archs?: MachineArch[];
}

/** Bytes of a file's beginning that readBinaryInfo needs (PE headers sit behind the DOS stub). */
export const HEADER_BYTES = 4096;

const ELF_MACHINES: Record<number, MachineArch> = { 3: 'ia32', 40: 'arm', 62: 'x64', 183: 'arm64', 243: 'riscv64', 21: 'ppc64', 22: 's390x' };
// CPU_TYPE_X86 = 7, CPU_TYPE_ARM = 12, with CPU_ARCH_ABI64 = 0x01000000.
const MACHO_CPUS: Record<number, MachineArch> = { 7: 'ia32', 0x01000007: 'x64', 12: 'arm', 0x0100000c: 'arm64' };
const PE_MACHINES: Record<number, MachineArch> = { 0x14c: 'ia32', 0x8664: 'x64', 0xaa64: 'arm64', 0x1c4: 'arm' };

/** What `buf` (a file's first bytes) is a binary for; null where it is not ELF, Mach-O or PE. */
export function readBinaryInfo(buf: Uint8Array): BinaryInfo | null {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length < 4) return null;
  // ELF: 7f 'E' 'L' 'F', class (1: 32-bit, 2: 64-bit), data (1: little endian), e_machine at 18.
  if (b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46) {
    if (b.length < 20) return null;
    const machine = b[5] === 2 ? b.readUInt16BE(18) : b.readUInt16LE(18);
    return { container: 'elf', arch: ELF_MACHINES[machine] ?? 'other', bits: b[4] === 2 ? 64 : 32 };
  }
  const be = b.readUInt32BE(0);
  // Mach-O thin: MH_MAGIC(_64) in either byte order; cputype follows the magic.
  if (be === 0xcffaedfe || be === 0xcefaedfe || be === 0xfeedfacf || be === 0xfeedface) {
    if (b.length < 8) return null;
    const little = be === 0xcffaedfe || be === 0xcefaedfe;
    const cpu = little ? b.readInt32LE(4) : b.readInt32BE(4);
    return { container: 'macho', arch: MACHO_CPUS[cpu] ?? 'other', bits: be === 0xcffaedfe || be === 0xfeedfacf ? 64 : 32 };
  }
  // Mach-O fat (universal): FAT_MAGIC, big endian, nfat_arch, then 20-byte entries starting with cputype.
  // Java class files share the magic; they have a version (≥ 45) where nfat_arch would be.
  if (be === 0xcafebabe) {
    const n = b.length >= 8 ? b.readUInt32BE(4) : 0;
    if (n < 1 || n > 16 || b.length < 8 + 20 * n) return null;
    const archs = Array.from({ length: n }, (_, i) => MACHO_CPUS[b.readInt32BE(8 + 20 * i)] ?? 'other');
    return { container: 'macho', arch: archs[0]!, bits: archs.every((a) => a === 'x64' || a === 'arm64') ? 64 : 32, archs };
  }
  // PE: 'MZ', e_lfanew at 0x3c → 'PE\0\0', Machine (u16), …, optional header magic at +24 (0x20b: PE32+).
  if (b[0] === 0x4d && b[1] === 0x5a && b.length >= 0x40) {
    const pe = b.readUInt32LE(0x3c);
    if (pe + 26 > b.length || b.readUInt32BE(pe) !== 0x50450000) return null;
    const machine = b.readUInt16LE(pe + 4);
    return { container: 'pe', arch: PE_MACHINES[machine] ?? 'other', bits: b.readUInt16LE(pe + 24) === 0x20b ? 64 : 32 };
  }
  return null;
}

/** "ELF x86-64", "Mach-O arm64", "PE32+ ARM64": for messages. */
export function describeBinary(f: BinaryFormat & { bits?: number; archs?: MachineArch[] }): string {
  const arch = (f.archs ?? [f.arch]).join('+');
  if (f.container === 'elf') return `ELF ${arch}`;
  if (f.container === 'macho') return `Mach-O ${f.archs ? `universal (${arch})` : arch}`;
  return `${f.bits === 32 ? 'PE32' : 'PE32+'} ${arch}`;
}

/** True when `info` is exactly `want` (a fat Mach-O must hold only that architecture; PE and ELF must be 64-bit for 64-bit targets). */
export function matchesFormat(info: BinaryInfo, want: BinaryFormat): boolean {
  if (info.container !== want.container) return false;
  const archs = info.archs ?? [info.arch];
  if (archs.some((a) => a !== want.arch)) return false;
  return want.arch === 'x64' || want.arch === 'arm64' ? info.bits === 64 : true;
}
