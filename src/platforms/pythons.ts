// CPython versions as the plan spells them (`3.12`, `3.13t`) and as wheels and cibuildwheel spell them.
import * as pep440 from '@renovatebot/pep440';

export interface PythonVersion {
  /** As configured: `3.13t`. */
  spec: string;
  /** `3.13` */
  release: string;
  freeThreaded: boolean;
  /** `cp313` */
  interpreter: string;
  /** `cp313t` (the ABI tag of a version-specific wheel) */
  abi: string;
}

export function parsePython(spec: string): PythonVersion {
  const freeThreaded = spec.endsWith('t');
  const release = freeThreaded ? spec.slice(0, -1) : spec;
  const interpreter = `cp${release.replace('.', '')}`;
  return { spec, release, freeThreaded, interpreter, abi: freeThreaded ? `${interpreter}t` : interpreter };
}

/** cibuildwheel's build selector prefix: `cp312`, `cp313t`. */
export function cibwSelector(spec: string): string {
  return parsePython(spec).abi;
}

/** Order `3.9` < `3.10` < `3.13` < `3.13t` < `3.14`. */
export function comparePythons(a: string, b: string): number {
  const pa = parsePython(a);
  const pb = parsePython(b);
  const [amaj, amin] = pa.release.split('.').map(Number) as [number, number];
  const [bmaj, bmin] = pb.release.split('.').map(Number) as [number, number];
  return amaj - bmaj || amin - bmin || Number(pa.freeThreaded) - Number(pb.freeThreaded);
}

/** Does a CPython release satisfy `Requires-Python`? (null: no constraint) */
export function allowsPython(requiresPython: string | null, spec: string): boolean {
  if (!requiresPython) return true;
  const release = parsePython(spec).release;
  // Requires-Python compares against the full version: `3.12` stands for any 3.12.x.
  return pep440.satisfies(`${release}.0`, requiresPython) || pep440.satisfies(`${release}.99`, requiresPython);
}
