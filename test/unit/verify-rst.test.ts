import { describe, expect, it } from 'vitest';
import { checkCoreMetadata } from '../../src/verify/metadata.js';
import { duplicateRstTargets } from '../../src/verify/rst-targets.js';
import { parseHeaders } from '../../src/wheel/headers.js';

// The cases are the shapes found in the 441 reStructuredText descriptions of the real wheels, each judged by
// docutils 0.19 with readme_renderer's settings (blosc2 and peewee fail; geojson and yarl render).
describe('duplicate explicit RST targets (docutils: "Duplicate explicit target name")', () => {
  it('finds two embedded-URI references of the same name and different URLs (blosc2, peewee)', () => {
    expect(duplicateRstTargets('See the `walkthrough <https://a.example/1>`_ and\nthe `Walkthrough <https://a.example/2>`_.\n')).toEqual(['walkthrough']);
  });

  it('finds a `.. _name:` target and a reference that disagree, with names compared as docutils normalises them', () => {
    expect(duplicateRstTargets('A `Example  Twitter\napp <https://x.example/a>`_.\n\n.. _example twitter app: https://x.example/b\n')).toEqual(['example twitter app']);
    expect(duplicateRstTargets('.. _here:\n\nText\n\n.. _here:\n\nMore\n')).toEqual(['here']);
  });

  it('accepts duplicates with the same URL, anonymous links and aliases (docutils: INFO, not a failure)', () => {
    expect(duplicateRstTargets('`docs <https://d.example>`_ and `docs <https://d.example>`_\n')).toEqual([]);
    expect(duplicateRstTargets('`here <https://a.example/1>`__ and `here <https://a.example/2>`__\n')).toEqual([]);
    expect(duplicateRstTargets('`docs <https://d.example>`_ and `docs <docs_>`_\n')).toEqual([]);
  });

  it('reads escaped colons in target names and URLs continued on the next line (geojson, yarl)', () => {
    expect(duplicateRstTargets('.. _Appendix A\\: Points: https://r.example#a1\n.. _Appendix A\\: Lines: https://r.example#a2\n')).toEqual([]);
    expect(duplicateRstTargets('Needs propcache_.\n\n.. _propcache: https://g.example/propcache\n\n- bump `propcache`_\n\n  .. _`propcache`:\n     https://g.example/propcache\n')).toEqual([]);
  });

  it('does not read literal blocks, directives, comments or inline literals', () => {
    const text = 'Example::\n\n    `a <https://1.example>`_\n    `a <https://2.example>`_\n\n.. code-block:: rst\n\n    `a <https://3.example>`_\n\n..\n   `a <https://4.example>`_\n\n``\\`a <https://5.example>\\`_``\n\n`a <https://6.example>`_\n';
    expect(duplicateRstTargets(text)).toEqual([]);
  });
});

describe('W-DESCRIPTION-RENDER', () => {
  const codes = (head: string) =>
    checkCoreMetadata('W', parseHeaders(`Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n${head ? `${head}\n` : ''}\n\`x <https://1.example>\`_ \`x <https://2.example>\`_\n`), 'd/METADATA').findings.map((f) => f.code);

  it('is reported for text/x-rst and for a description without a content type, which PyPI renders as RST', () => {
    expect(codes('Description-Content-Type: text/x-rst')).toEqual(['W-DESCRIPTION-RENDER']);
    expect(codes('')).toEqual(['W-DESCRIPTION-TYPE', 'W-DESCRIPTION-RENDER']);
  });

  it('is not reported for Markdown or plain text', () => {
    expect(codes('Description-Content-Type: text/markdown')).toEqual([]);
    expect(codes('Description-Content-Type: text/plain')).toEqual([]);
  });
});
