import { execFileSync } from 'node:child_process';
import path from 'node:path';

// Integration tests run the real `bin/release`, so compile src/ once before any test.
export default function setup(): void {
  const root = path.resolve(import.meta.dirname, '../..');
  if (process.env.WHEELWRIGHT_SKIP_BUILD) return;
  try {
    execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
      cwd: root,
      stdio: 'pipe',
    });
  } catch (err) {
    // Type errors still emit JavaScript; `npm run typecheck` is where they fail the build.
    const out = String((err as { stdout?: Buffer }).stdout ?? '');
    if (!/error TS/.test(out)) throw err;
  }
}
