import { describe, expect, it } from 'vitest';
import { devStatusWarnings } from '../../src/verify/dev-status.js';
import { contradictingStatus, developmentStatus, rewriteDevelopmentStatus } from '../../src/version/classifier.js';

describe('the Development Status a version implies (Backend.AI setupgen rules)', () => {
  it.each([
    ['26.8.0.dev0', '2 - Pre-Alpha'],
    ['26.8.0a1.dev2', '2 - Pre-Alpha'],
    ['26.8.0a1', '3 - Alpha'],
    ['26.8.0b2', '4 - Beta'],
    ['26.8.0rc1', '4 - Beta'],
    ['26.8.0rc1.post1', '4 - Beta'],
    ['26.8.0', '5 - Production/Stable'],
    ['26.8.0.post1', '5 - Production/Stable'],
  ])('%s → %s', (version, status) => {
    expect(developmentStatus(version)).toBe(`Development Status :: ${status}`);
  });

  it('Planning, Mature and Inactive are the project\'s own choice and never contradict a version', () => {
    expect(contradictingStatus(['Development Status :: 6 - Mature'], '1.0rc1')).toBeNull();
    expect(contradictingStatus(['Development Status :: 5 - Production/Stable'], '1.0rc1')).toEqual({ found: 'Development Status :: 5 - Production/Stable', expected: 'Development Status :: 4 - Beta' });
  });

  it('rewrites the classifier inside pyproject.toml and nothing else', () => {
    const text = '[project]\nname = "x"\nclassifiers = [\n  "Development Status :: 5 - Production/Stable",\n  \'Programming Language :: Python :: 3\',\n]\n';
    const r = rewriteDevelopmentStatus(text, '2.0.0b1');
    expect(r.text).toBe(text.replace('5 - Production/Stable', '4 - Beta'));
    expect([r.from, r.to]).toEqual(['Development Status :: 5 - Production/Stable', 'Development Status :: 4 - Beta']);
    expect(rewriteDevelopmentStatus(r.text, '2.0.0rc1')).toEqual({ text: r.text, from: null, to: null });
  });
});

describe('verify: W-DEV-STATUS', () => {
  const metadata = (status: string) => ({ 'backend_ai_agent-26.8.0rc1.dist-info/METADATA': `Metadata-Version: 2.1\nName: backend.ai-agent\nVersion: 26.8.0rc1\nClassifier: Intended Audience :: Developers\nClassifier: Development Status :: ${status}\n\nbody\n` });

  it('warns when a wheel of an rc says Production/Stable, naming both classifiers', () => {
    const w = devStatusWarnings(metadata('5 - Production/Stable'), '26.8.0rc1');
    expect(w).toHaveLength(1);
    expect(w[0]).toMatchObject({ code: 'W-DEV-STATUS', entry: 'backend_ai_agent-26.8.0rc1.dist-info/METADATA' });
    expect(w[0]!.message).toMatch(/"Development Status :: 5 - Production\/Stable" contradicts version 26\.8\.0rc1, which implies "Development Status :: 4 - Beta"/);
  });

  it('is quiet when the classifier agrees, or when there is no release version to compare with', () => {
    expect(devStatusWarnings(metadata('4 - Beta'), '26.8.0rc1')).toEqual([]);
    expect(devStatusWarnings(metadata('5 - Production/Stable'), null)).toEqual([]);
  });
});
