// The static index's page rendering: PEP 503 HTML and PEP 691 JSON (no processes, no network).
import { describe, expect, it } from 'vitest';
import { escapeHtml, fileHref, renderJson, renderProjectHtml, renderRootHtml, uploadTime, type ProjectPage } from '../../src/publish/index/pages.js';
import { metadataField } from '../../src/publish/index/metadata.js';

const page: ProjectPage = {
  meta: { 'api-version': '1.1' },
  name: 'demo-core',
  versions: ['1.0+local.1'],
  files: [
    {
      filename: 'demo_core-1.0+local.1-py3-none-any.whl',
      url: fileHref('demo_core-1.0+local.1-py3-none-any.whl'),
      hashes: { sha256: 'a'.repeat(64) },
      'requires-python': '>=3.9,<4 & "x"',
      'core-metadata': { sha256: 'b'.repeat(64) },
      size: 123,
      'upload-time': '2026-11-23T12:30:00.000000Z',
    },
  ],
};

describe('index pages', () => {
  it('a project link carries the sha256 fragment, escaped requires-python and both PEP 658/714 attributes', () => {
    const html = renderProjectHtml(page);
    expect(html).toContain('<meta name="pypi:repository-version" content="1.1">');
    expect(html).toContain(
      `<a href="demo_core-1.0%2Blocal.1-py3-none-any.whl#sha256=${'a'.repeat(64)}" data-requires-python="&gt;=3.9,&lt;4 &amp; &quot;x&quot;" ` +
        `data-core-metadata="sha256=${'b'.repeat(64)}" data-dist-info-metadata="sha256=${'b'.repeat(64)}">demo_core-1.0+local.1-py3-none-any.whl</a>`,
    );
  });

  it('the JSON page keeps the PEP 691 keys and no legacy dist-info-metadata', () => {
    const json = JSON.parse(renderJson(page));
    expect(json.files[0]).toMatchObject({ size: 123, 'core-metadata': { sha256: 'b'.repeat(64) } });
    expect(json.files[0]['dist-info-metadata']).toBeUndefined();
  });

  it('the root page links each project with a trailing slash', () => {
    expect(renderRootHtml({ meta: { 'api-version': '1.1' }, projects: [{ name: 'demo-cli' }] })).toContain('<a href="demo-cli/">demo-cli</a>');
  });

  it('upload-time has six fractional digits and escaping covers quotes', () => {
    expect(uploadTime(new Date('2026-01-02T03:04:05.678Z'))).toBe('2026-01-02T03:04:05.678000Z');
    expect(escapeHtml(`<'&">`)).toBe('&lt;&#39;&amp;&quot;&gt;');
  });

  it('reads Requires-Python from the metadata headers, not the description body', () => {
    const meta = Buffer.from('Metadata-Version: 2.1\nName: x\nRequires-Python: >=3.9\n\nRequires-Python: <3\n');
    expect(metadataField(meta, 'Requires-Python')).toBe('>=3.9');
    expect(metadataField(Buffer.from('Name: x\n'), 'Requires-Python')).toBeNull();
  });
});
