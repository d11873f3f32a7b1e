import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PublishError } from '../../src/errors.js';
import { pypiMessage } from '../../src/publish/pypi.js';
import { indexBaseFor } from '../../src/publish/pypi/lookup.js';
import { metadataForm, pyversionOf } from '../../src/publish/pypi/metadata.js';
import { FileChangedError, multipartBody, type MultipartBody } from '../../src/publish/pypi/multipart.js';
import { Writable } from 'node:stream';
import type { PublishFile } from '../../src/publish/types.js';
import { parseMultipart } from '../servers/pypi/multipart.js';

const file = (over: Partial<PublishFile> = {}): PublishFile => ({
  path: '/x/demo_core-0.3.0-py3-none-any.whl',
  filename: 'demo_core-0.3.0-py3-none-any.whl',
  sha256: '0'.repeat(64),
  size: 1,
  package: 'demo-core',
  version: '0.3.0',
  type: 'wheel',
  ...over,
});

const METADATA = [
  'Metadata-Version: 2.4',
  'Name: Demo_Core',
  'Version: 0.3.0',
  'Summary: A demo',
  'Keywords: a,b',
  'Classifier: Programming Language :: Python :: 3',
  'Classifier: License :: OSI Approved :: MIT License',
  'Requires-Dist: packaging>=23',
  'Requires-Dist: rich; extra == "cli"',
  'Project-URL: Homepage, https://example.org',
  'License-File: LICENSE',
  'License-File: NOTICE',
  'Platform: any',
  'Requires-Python: >=3.10',
  'Provides-Extra: cli',
  'Description-Content-Type: text/markdown',
  '',
  '# Demo',
  '',
  'Body text.',
].join('\n');

describe('PyPI upload form from core metadata', () => {
  it('spells every field as PyPI reads it: plural multi-use fields, one value each, singular license_file and platform', () => {
    const form = metadataForm(METADATA, file());
    const all = (k: string) => form.filter(([f]) => f === k).map(([, v]) => v);
    expect(all('metadata_version')).toEqual(['2.4']);
    expect(all('name')).toEqual(['Demo_Core']);
    expect(all('classifiers')).toEqual(['Programming Language :: Python :: 3', 'License :: OSI Approved :: MIT License']);
    expect(all('requires_dist')).toEqual(['packaging>=23', 'rich; extra == "cli"']);
    expect(all('project_urls')).toEqual(['Homepage, https://example.org']);
    expect(all('license_file')).toEqual(['LICENSE', 'NOTICE']);
    expect(all('platform')).toEqual(['any']);
    expect(all('requires_python')).toEqual(['>=3.10']);
    expect(all('provides_extra')).toEqual(['cli']);
    expect(all('keywords')).toEqual(['a,b']);
    expect(all('description')).toEqual(['# Demo\n\nBody text.']);
    expect(all('description_content_type')).toEqual(['text/markdown']);
    expect(form.some(([k]) => k === 'classifier' || k === 'requires-dist')).toBe(false);
  });

  it('leaves out License-File below Metadata-Version 2.4, which PyPI would reject, as twine does', () => {
    for (const mv of ['2.1', '2.3', '1.2']) {
      const form = metadataForm(METADATA.replace('Metadata-Version: 2.4', `Metadata-Version: ${mv}`), file());
      expect(form.filter(([f]) => f === 'license_file'), mv).toEqual([]);
      expect(form.filter(([f]) => f === 'metadata_version'), mv).toEqual([['metadata_version', mv]]);
    }
    expect(metadataForm(METADATA.replace('Metadata-Version: 2.4', 'Metadata-Version: 2.5'), file()).filter(([f]) => f === 'license_file')).toHaveLength(2);
  });

  it('refuses metadata that names another project or version than the file', () => {
    expect(() => metadataForm(METADATA, file({ package: 'demo-cli' }))).toThrow(PublishError);
    expect(() => metadataForm(METADATA, file({ version: '0.3.1' }))).toThrow(/metadata Version `0.3.0` is not 0.3.1/);
  });

  it('sends the wheel python tag as pyversion, and `source` for an sdist', () => {
    expect(pyversionOf('demo_core-0.3.0-py2.py3-none-any.whl')).toBe('py2.py3');
    expect(pyversionOf('demo_speedups-0.3.0-cp312-cp312-win_amd64.whl')).toBe('cp312');
    expect(pyversionOf('demo_core-0.3.0.tar.gz')).toBe('source');
  });
});

const form0 = (bytes: Buffer, body: MultipartBody) => parseMultipart(bytes, /boundary=(.+)$/.exec(body.contentType)![1]!);

describe('PyPI multipart body', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ww-mp-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function collect(body: MultipartBody): Promise<Buffer> {
    const chunks: Buffer[] = [];
    // Copies: the body reuses its buffers once a write is done.
    const sink = new Writable({ write: (c: Buffer, _e, cb) => (chunks.push(Buffer.from(c)), cb()) });
    await body.write(sink);
    return Buffer.concat(chunks);
  }

  it('has exactly the announced length, and parses back to the fields and the file bytes', async () => {
    const data = Buffer.from(Array.from({ length: 3_000_000 }, (_, i) => i & 0xff));
    const p = path.join(dir, 'demo_core-0.3.0-py3-none-any.whl');
    await writeFile(p, data);
    const sha = createHash('sha256').update(data).digest('hex');
    const body = multipartBody([[':action', 'file_upload'], ['description', 'ünïcode\r\n--not-a-boundary']], { path: p, filename: path.basename(p), size: data.length });
    const bytes = await collect(body);
    expect(createHash('sha256').update(form0(bytes, body).files[0]!.data).digest('hex')).toBe(sha);
    expect(bytes.length).toBe(body.length);
    const boundary = /boundary=(.+)$/.exec(body.contentType)![1]!;
    const form = parseMultipart(bytes, boundary);
    expect(form.fields.get(':action')).toEqual(['file_upload']);
    expect(form.fields.get('description')).toEqual(['ünïcode\r\n--not-a-boundary']);
    expect(form.files[0]!.filename).toBe('demo_core-0.3.0-py3-none-any.whl');
    expect(form.files[0]!.contentType).toBe('application/octet-stream');
    expect(form.files[0]!.data.equals(data)).toBe(true);
  });

  it('fails before sending anything when the file no longer has its verified size', async () => {
    const p = path.join(dir, 'changed.whl');
    await writeFile(p, 'new content, longer');
    const body = multipartBody([], { path: p, filename: 'changed.whl', size: 11 });
    await expect(collect(body)).rejects.toBeInstanceOf(FileChangedError);
  });
});

describe('PyPI answers', () => {
  const res = (status: number, reason: string, body: string) => ({ status, reason, body, headers: {} });
  it('takes the message from the reason phrase, else from the body (HTTP/2 has no reason phrase)', () => {
    expect(pypiMessage(res(400, 'File already exists (x)', ''))).toBe('File already exists (x)');
    expect(pypiMessage(res(400, '', '400 Bad Request\n\nFile already exists (x)\n\n'))).toBe('File already exists (x)');
    expect(pypiMessage(res(400, 'Bad Request', '{"message": "Invalid distribution file.", "code": "400 Bad Request"}'))).toBe('Invalid distribution file.');
  });

  it('reads PyPI and TestPyPI from their own hosts, other repositories from the upload host', () => {
    expect(indexBaseFor('https://upload.pypi.org/legacy/').href).toBe('https://pypi.org/');
    expect(indexBaseFor('https://test.pypi.org/legacy/').href).toBe('https://test.pypi.org/');
    expect(indexBaseFor('http://127.0.0.1:8080/legacy/').href).toBe('http://127.0.0.1:8080/');
  });
});
