// The rehearsal's job cache: a job is reused only when everything it reads is the same.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rehearsalCache, rehearse, type RehearsalOptions } from '../helpers/rehearsal.js';

const base = mkdtempSync(path.join(os.tmpdir(), 'ww-rehearsal-cache-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

const workflow = (greeting: string, step = '') => `
on: push
env:
  GREETING: ${greeting}
jobs:
  say:
    runs-on: ubuntu-24.04
    outputs:
      said: \${{ steps.s.outputs.said }}
    steps:
      - id: s
        ${step}run: echo "said=$GREETING" >> "$GITHUB_OUTPUT"
`;

describe('the rehearsal job cache', () => {
  const cache = rehearsalCache(path.join(base, 'cache'));
  const github = { event_name: 'push', ref: 'refs/tags/v1.0.0', sha: '0'.repeat(40), repository: 'acme/demo', server_url: 'http://127.0.0.1:1', api_url: 'http://127.0.0.1:1', token: 't', event: {} };
  const run = async (text: string, event_name = 'push') => {
    const opts: RehearsalOptions = { workflowText: text, origin: path.join(base, 'none.git'), github: { ...github, event_name }, runnerEnv: { PATH: process.env.PATH ?? '' }, reuse: { cache, jobs: ['say'] } };
    const [say] = await rehearse(opts);
    return { said: say!.outputs.said, reused: say!.reused === true };
  };

  it('reuses a job whose inputs are all the same', async () => {
    expect(await run(workflow('hello'))).toEqual({ said: 'hello', reused: false });
    expect(await run(workflow('hello'))).toEqual({ said: 'hello', reused: true });
  });

  it("runs a job again when the workflow's env: it inherits differs", async () => {
    expect(await run(workflow('bye'))).toEqual({ said: 'bye', reused: false });
  });

  it('runs a job again when the github context it reads differs', async () => {
    const text = workflow('ciao', 'env:\n          EVENT: ${{ github.event_name }}\n        ').replace('said=$GREETING', 'said=$GREETING-$EVENT');
    expect(await run(text, 'push')).toEqual({ said: 'ciao-push', reused: false });
    expect(await run(text, 'workflow_dispatch')).toEqual({ said: 'ciao-workflow_dispatch', reused: false });
    expect(await run(text, 'push')).toEqual({ said: 'ciao-push', reused: true });
  });
});
