// The GitHub release body comes from the CHANGELOG section of the version.
import { describe, expect, it } from 'vitest';
import { sectionOf } from '../../src/notes/section.js';

const md = `# Changelog

## 1.1.0rc1 (2026-12-01)

- Candidate.

## [1.1.0] - 2026-12-02

### Features

- New thing. (#12)

### Bugfixes

- Fixed. (#13)

## 1.0.0

- First.
`;

describe('sectionOf', () => {
  it('takes the section of the version up to the next heading of its level, sub-headings included', () => {
    expect(sectionOf(md, '1.1.0')).toBe('### Features\n\n- New thing. (#12)\n\n### Bugfixes\n\n- Fixed. (#13)');
  });
  it('does not take a pre-release section for the final version, nor the reverse', () => {
    expect(sectionOf(md, '1.1.0rc1')).toBe('- Candidate.');
    expect(sectionOf(md, '1.1.0')).not.toContain('Candidate');
  });
  it('reads the last section to the end of the file', () => expect(sectionOf(md, '1.0.0')).toBe('- First.'));
  it('returns null for a version without a section', () => expect(sectionOf(md, '2.0.0')).toBeNull());
  it('does not confuse 1.0 with 1.0.1', () => expect(sectionOf('## 1.0.1\n\n- a\n', '1.0')).toBeNull());
  it('reads reStructuredText headings', () => {
    const rst = 'Changelog\n=========\n\n1.2.0 (2026-01-01)\n------------------\n\n- Rst entry.\n\n1.1.0\n-----\n\n- Old.\n';
    expect(sectionOf(rst, '1.2.0')).toBe('- Rst entry.');
  });
});
