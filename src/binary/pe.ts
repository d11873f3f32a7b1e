import { ByteView, headBytes, type SparseBytes } from './bytes.js';

export interface PeInfo {
  format: 'pe';
  /** COFF Machine field: 0x14c i386, 0x8664 AMD64, 0xAA64 ARM64, 0x200 IA64, … */
  machine: number;
  /** Optional-header magic: 0x10b (PE32) or 0x20b (PE32+); null when there is no optional header. */
  optionalMagic: number | null;
}

export const PE_MACHINE_NAMES: Record<number, string> = {
  0x14c: 'i386',
  0x8664: 'AMD64',
  0xaa64: 'ARM64',
  0x200: 'IA64',
  0x1c4: 'ARMNT',
};

export function isPe(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x4d && head[1] === 0x5a;
}

export function readPe(bytes: Uint8Array | SparseBytes): PeInfo {
  const v = new ByteView(bytes, true);
  if (!isPe(headBytes(bytes))) throw new Error('not a PE file (no MZ header)');
  const lfanew = v.u32(0x3c, 'e_lfanew');
  const sig = v.u32(lfanew, 'PE signature');
  if (sig !== 0x00004550) throw new Error(`no PE\\0\\0 signature at e_lfanew 0x${lfanew.toString(16)}`);
  const machine = v.u16(lfanew + 4, 'COFF Machine');
  const optSize = v.u16(lfanew + 20, 'SizeOfOptionalHeader');
  const optionalMagic = optSize >= 2 ? v.u16(lfanew + 24, 'optional header magic') : null;
  return { format: 'pe', machine, optionalMagic };
}

export function peMachineName(machine: number): string {
  return PE_MACHINE_NAMES[machine] ?? `0x${machine.toString(16)}`;
}
