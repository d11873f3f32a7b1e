import type { MachOInfo, MachOVersion } from './macho.js';
import type { PlatformTarget } from '../platforms/tags.js';
import type { BinaryFinding } from './types.js';

type AppleTarget = Extract<PlatformTarget, { kind: 'macos' | 'ios' }>;

/** LC_BUILD_VERSION platform numbers (mach-o/loader.h). */
const PLATFORM_MACOS = 1;
const PLATFORM_IOS = 2;
const PLATFORM_IOSSIMULATOR = 7;
const PLATFORM_NAMES: Record<number, string> = { 1: 'macOS', 2: 'iOS', 3: 'tvOS', 4: 'watchOS', 6: 'Mac Catalyst', 7: 'iOS simulator' };

/** wheel's rule: for macOS 11 and later only the major counts, written as (major, 0). */
function normalize(v: readonly [number, number, ...number[]]): [number, number] {
  return v[0] >= 11 ? [v[0], 0] : [v[0], v[1]];
}

function compare(a: [number, number], b: [number, number]): number {
  return a[0] - b[0] || a[1] - b[1];
}

function compareFull(a: MachOVersion, b: MachOVersion): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/**
 * The deployment target of the whole file (PROTOCOLS §4.5): the max over slices, ignoring an arm64
 * slice whose target is exactly 11.0.0 when other slices exist (arm64 cannot go lower).
 */
export function machODeploymentTarget(info: MachOInfo): MachOVersion | null {
  const withMin = info.slices.filter((s) => s.minos !== null);
  const counted =
    withMin.length > 1 ? withMin.filter((s) => !(s.arch === 'arm64' && s.minos!.join('.') === '11.0.0')) : withMin;
  let best: MachOVersion | null = null;
  for (const s of counted) if (!best || compareFull(s.minos!, best) > 0) best = s.minos;
  return best;
}

/**
 * W-BIN-ARCH when no slice fits any of the wheel's tags; W-MACOS-ARCHS when the file's arch set differs from the archs
 * the wheel's macOS tags promise together (`macosx_10_9_x86_64.macosx_11_0_arm64` promises both, like universal2).
 */
function archFinding(entry: string, info: MachOInfo, target: AppleTarget, wheelArchs: readonly string[]): BinaryFinding | null {
  const have = [...new Set(info.slices.map((s) => s.arch))].sort();
  const want = tagArchs(target);
  const all = [...new Set([...want, ...wheelArchs])].sort();
  const shown = `${info.fat ? 'a fat binary with' : 'a thin'} ${have.join(' + ')}`;
  if (!have.some((a) => all.includes(a))) {
    return { code: 'W-BIN-ARCH', message: `\`${entry}\` is ${shown} Mach-O (cputype), but the tag \`${target.tag}\` needs ${want.join(' + ')}` };
  }
  if (have.join() !== all.join()) {
    return { code: 'W-MACOS-ARCHS', message: `\`${entry}\` has architectures ${have.join(' + ')}, but the wheel's tags (\`${target.tag}\`) mean exactly ${all.join(' + ')}` };
  }
  return null;
}

function tagArchs(target: AppleTarget): string[] {
  return [...new Set(target.kind === 'macos' ? target.archs : [target.arch])].sort();
}

function platformFinding(entry: string, info: MachOInfo, target: AppleTarget): BinaryFinding | null {
  const want = target.kind === 'macos' ? PLATFORM_MACOS : target.simulator ? PLATFORM_IOSSIMULATOR : PLATFORM_IOS;
  const other = info.slices.find((s) => s.platform !== null && s.platform !== want);
  if (!other) return null;
  const name = (p: number): string => `${PLATFORM_NAMES[p] ?? 'platform'} (${p})`;
  return {
    code: 'W-BIN-ARCH',
    message: `\`${entry}\` is built for ${name(other.platform!)} (LC_BUILD_VERSION), but the tag \`${target.tag}\` needs ${name(want)}`,
  };
}

function minosFinding(entry: string, info: MachOInfo, target: AppleTarget): BinaryFinding | null {
  if (target.kind !== 'macos') return null;
  // Only the slices this tag is about: macosx_10_9_x86_64 says nothing about an arm64 slice.
  const want = tagArchs(target);
  const min = machODeploymentTarget({ ...info, slices: info.slices.filter((s) => want.includes(s.arch)) });
  if (!min) return null;
  if (compare(normalize(min), normalize(target.version)) <= 0) return null;
  const [maj, mnr] = normalize(min);
  return {
    code: 'W-MACOS-MINOS',
    message: `\`${entry}\` needs macOS ${min.join('.')} (LC_BUILD_VERSION / LC_VERSION_MIN_MACOSX), above the tag \`${target.tag}\`; tag it macosx_${maj}_${mnr} or build with MACOSX_DEPLOYMENT_TARGET=${target.version.join('.')}`,
  };
}

/** `wheelArchs`: the union of the archs of all the wheel's tags of the same family (macOS or iOS). */
export function checkMachOAgainst(entry: string, info: MachOInfo, target: AppleTarget, wheelArchs: readonly string[]): BinaryFinding[] {
  const first = archFinding(entry, info, target, wheelArchs) ?? platformFinding(entry, info, target);
  if (first) return [first];
  const min = minosFinding(entry, info, target);
  return min ? [min] : [];
}
