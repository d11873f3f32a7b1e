/** ELF identity per Linux architecture (PROTOCOLS §4.3; auditwheel lddtree `_get_platform`). */
export interface ElfIdentity {
  machine: number;
  elfClass: 32 | 64;
  littleEndian: boolean;
  /** armv7l only: EABI version 5 and the hard-float flag in e_flags. */
  armHardFloat?: boolean;
}

export const ELF_MACHINE_NAMES: Record<number, string> = {
  3: 'EM_386',
  62: 'EM_X86_64',
  183: 'EM_AARCH64',
  21: 'EM_PPC64',
  20: 'EM_PPC',
  22: 'EM_S390',
  40: 'EM_ARM',
  243: 'EM_RISCV',
  258: 'EM_LOONGARCH',
};

export const ELF_IDENTITY: Record<string, ElfIdentity> = {
  i686: { machine: 3, elfClass: 32, littleEndian: true },
  x86_64: { machine: 62, elfClass: 64, littleEndian: true },
  aarch64: { machine: 183, elfClass: 64, littleEndian: true },
  ppc64le: { machine: 21, elfClass: 64, littleEndian: true },
  ppc64: { machine: 21, elfClass: 64, littleEndian: false },
  s390x: { machine: 22, elfClass: 64, littleEndian: false },
  armv7l: { machine: 40, elfClass: 32, littleEndian: true, armHardFloat: true },
  armv6l: { machine: 40, elfClass: 32, littleEndian: true },
  riscv64: { machine: 243, elfClass: 64, littleEndian: true },
  loongarch64: { machine: 258, elfClass: 64, littleEndian: true },
  /** Android armeabi-v7a is soft-float ABI (softfp), so no e_flags rule. */
  android_arm: { machine: 40, elfClass: 32, littleEndian: true },
};

export const EF_ARM_EABIMASK = 0xff000000;
export const EF_ARM_EABI_VER5 = 0x05000000;
export const EF_ARM_ABI_FLOAT_HARD = 0x400;

export function elfMachineName(machine: number): string {
  return ELF_MACHINE_NAMES[machine] ?? `e_machine ${machine}`;
}
