// release compat list | fetch | resolve | check: version sets for downstream engineers.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Context } from '../context.js';
import { CompatError, ExitCode, UsageError } from '../errors.js';
import { githubApiUrl } from '../github/repository.js';
import type { ReleaseLine } from '../config/schema.js';
import type { LoadedConfig } from '../config/load.js';
import { compareVersions, normalizeName, normalizeVersion } from '../version/pep440.js';
import { bool, str, type CommandDefinition, type OptionSpec } from './types.js';

const FROM: OptionSpec = {
  type: 'string',
  valueName: 'SOURCE',
  description: 'github:OWNER/NAME, an index URL (https://HOST/simple/, with _sets/), or a directory (default: publish.index.dir, then publish.github.repository)',
};

/** The configured source when `--from` is not given: the local index, then the GitHub repository. */
async function defaultSource(ctx: Context): Promise<string> {
  const { root, file, config } = await ctx.config();
  if (file) {
    const dir = path.resolve(root, config.publish.index.dir);
    if (await stat(path.join(dir, '_sets', 'index.json')).catch(() => null)) return dir;
    const repo = config.publish.github.repository ?? ctx.env.GITHUB_REPOSITORY;
    if (repo) return `github:${repo}`;
  }
  throw new UsageError('no source of version sets', {
    field: '--from',
    hint: 'pass --from github:OWNER/NAME, --from https://HOST/simple/ or --from DIR (or run inside a project with publish.index.dir or publish.github.repository)',
  });
}

async function openFrom(ctx: Context, from: string | undefined) {
  const { openSource } = await import('../compat/sources.js');
  const loaded = await ctx.config();
  const source = from ?? (await defaultSource(ctx));
  return openSource(source, {
    cwd: ctx.cwd,
    env: ctx.env,
    // The default api_url yields to GITHUB_API_URL (GitHub Enterprise runners), as publish does.
    githubApiUrl: githubApiUrl(loaded.file ? loaded.config.publish.github.api_url : undefined, ctx.env),
    tagPrefix: loaded.file ? loaded.config.git.tag_prefix : undefined,
    setDistribution: await configuredSetDistribution(loaded),
  });
}

/** Inside a project with `set_distribution` on: its name, for an index without `_sets/` (PyPI). */
async function configuredSetDistribution(loaded: LoadedConfig): Promise<string | undefined> {
  if (!loaded.file || loaded.config.set_distribution === false) return undefined;
  const { discoverPackages } = await import('../config/packages.js');
  const { setDistributionName } = await import('../config/set-distribution.js');
  return (await setDistributionName(loaded, (await discoverPackages(loaded)).map((p) => p.name))) ?? undefined;
}

/** The release line a version belongs to: the longest `series` that is a prefix of its release part. */
export function lineOf(version: string, lines: ReleaseLine[]): ReleaseLine | undefined {
  const matches = lines.filter((l) => version === l.series || version.startsWith(`${l.series}.`) || version.startsWith(`${l.series}a`) || version.startsWith(`${l.series}b`) || version.startsWith(`${l.series}rc`));
  return matches.sort((a, b) => b.series.length - a.series.length)[0];
}

function describeLine(l: ReleaseLine, now: Date): string {
  const parts = [l.name];
  if (l.lts) parts.push('LTS');
  if (l.channel) parts.push(l.channel);
  if (l.end) parts.push(new Date(`${l.end}T23:59:59Z`) < now ? `ended ${l.end}` : `until ${l.end}`);
  return parts.join(', ');
}

const list: CommandDefinition = {
  usage: 'release compat list [--from SOURCE]',
  description:
    'List the version sets available, newest first, with their release line (from `lines:` in the release config: ' +
    'maintained series, LTS, end dates).',
  options: { from: FROM },
  examples: ['release compat list', 'release compat list --from github:acme/engine', 'release compat list --from https://pypi.acme.internal/simple/ --json'],
  async run(ctx, args) {
    const source = await openFrom(ctx, str(args, 'from'));
    const sets = await source.list();
    const loaded = await ctx.config();
    const { releaseLines } = await import('../config/lines.js');
    const lines = loaded.file ? await releaseLines(loaded) : [];
    const now = ctx.now();
    const rows = sets.map((s) => ({ ...s, line: lineOf(s.version, lines) ?? null }));
    const text = rows.length
      ? rows
          .map((r) => [r.version.padEnd(12), r.tag.padEnd(14), (r.createdAt ?? '').slice(0, 10).padEnd(10), r.line ? describeLine(r.line, now) : ''].join('  ').trimEnd())
          .join('\n')
      : `no version sets in ${source.label}`;
    const maintained = lines.map((l) => `line ${describeLine(l, now)} (series ${l.series})`);
    return {
      text: maintained.length ? `${text}\n\n${maintained.join('\n')}` : text,
      json: { source: source.label, sets: rows, lines },
    };
  },
};

const fetchCmd: CommandDefinition = {
  usage: 'release compat fetch VERSION [--platform TARGET] [--python 3.12] [--from SOURCE] [-o constraints.txt] [--allow-sdist] [--verify-provenance --repository OWNER/NAME]',
  positionals: { name: 'VERSION', max: 1 },
  description:
    'Write a pinned, hashed requirements file for version set VERSION: every package `==` its version, with ' +
    '`--hash=sha256:` for exactly the files that install on TARGET with that CPython (tags chosen as pip chooses: ' +
    'platform wheel before abi3 before py3-none-any; manylinux by glibc level). Install with ' +
    '`pip install --require-hashes -r constraints.txt` (pip reads hashes only from requirements, not from -c). ' +
    'TARGET is a build target (linux-x86_64 = glibc 2.28, musllinux-aarch64 = musl 1.2, macos-arm64 = macOS 11, ' +
    'macos-x86_64 = 10.13, windows-amd64) or a platform tag with its level (manylinux_2_35_x86_64, macosx_14_0_arm64). ' +
    'The versions.json is checked against the files the source serves; nothing is written on any error.',
  options: {
    platform: { type: 'string', valueName: 'TARGET', description: 'where the set is installed (default: this machine)' },
    python: { type: 'string', valueName: '3.12', description: 'CPython version there (default: 3.12)' },
    from: FROM,
    output: { type: 'string', short: 'o', valueName: 'FILE', description: 'write to FILE (atomically) instead of stdout' },
    'allow-sdist': { type: 'boolean', description: 'pin the sdist of a package that has no wheel for TARGET' },
    'verify-provenance': { type: 'boolean', description: "check every pinned file's PEP 740 attestations on the index first (signed by --repository's --workflow at the set's tag)" },
    'index-url': { type: 'string', valueName: 'URL', description: 'with --verify-provenance: the index with the integrity API (default https://pypi.org/)' },
    repository: { type: 'string', valueName: 'OWNER/NAME', description: 'with --verify-provenance: the repository that must have signed' },
    workflow: { type: 'string', valueName: 'FILE', description: 'with --verify-provenance: the workflow file that must have signed (default release.yml)' },
    'trusted-root': { type: 'string', valueName: 'FILE', description: "with --verify-provenance: Sigstore's trusted root (default: the public-good root, via TUF)" },
  },
  examples: [
    'release compat fetch 26.8.0 --platform linux-aarch64 --python 3.12 -o constraints.txt',
    'pip install --require-hashes -r constraints.txt',
    'release compat fetch 0.3.0 --from dist/index --platform manylinux_2_35_x86_64 --python 3.11',
  ],
  async run(ctx, args) {
    const version = args.positionals[0];
    if (!version) throw new UsageError('missing VERSION', { hint: 'e.g. `release compat fetch 26.8.0`; `release compat list` shows the sets' });
    const { parsePlatform, parsePython } = await import('../compat/tags.js');
    const { selectFiles, renderConstraints } = await import('../compat/constraints.js');
    const platformInput = str(args, 'platform') ?? hostPlatform();
    const pythonInput = str(args, 'python') ?? '3.12';
    // Bad flags fail before any network request.
    const platform = parsePlatform(platformInput);
    const py = parsePython(pythonInput);
    const source = await openFrom(ctx, str(args, 'from'));
    const set = await source.get(version);
    const selection = selectFiles(set, platform, py, { allowSdist: bool(args, 'allow-sdist') });
    if (bool(args, 'verify-provenance')) {
      const repository = str(args, 'repository') ?? ctx.env.GITHUB_REPOSITORY;
      if (!repository) throw new UsageError('--verify-provenance needs the repository that signs the releases', { hint: 'e.g. --repository owner/name' });
      const trustedRoot = str(args, 'trusted-root');
      const { verifySelection } = await import('../compat/provenance.js');
      await verifySelection(selection, {
        indexUrl: str(args, 'index-url') ?? 'https://pypi.org/',
        identity: { repository, workflow: str(args, 'workflow') ?? 'release.yml', ref: `refs/tags/${set.tag}` },
        trustedRootFile: trustedRoot ? path.resolve(ctx.cwd, trustedRoot) : undefined,
        env: ctx.env,
        log: (l) => ctx.log.info(l),
      });
    }
    const text = renderConstraints(set, selection, { source: source.label, platform: platformInput, python: pythonInput });
    const out = str(args, 'output');
    if (out) {
      const file = path.resolve(ctx.cwd, out);
      await ctx.world.writeFile(file, text);
      ctx.log.info(`wrote ${file}: ${selection.length} packages of set ${set.version}, ${selection.reduce((n, s) => n + s.files.length, 0)} files`);
    }
    const json = {
      version: set.version,
      tag: set.tag,
      commit: set.commit,
      platform: platformInput,
      python: pythonInput,
      output: out ? path.resolve(ctx.cwd, out) : null,
      packages: selection.map((s) => ({ name: s.pkg.name, version: s.pkg.version, sdist: s.fromSdist, files: s.files.map((f) => ({ filename: f.filename, sha256: f.sha256 })) })),
    };
    return { text: out ? undefined : text, json };
  },
};

function hostPlatform(): string {
  const arch = process.arch === 'x64' ? 'x86_64' : process.arch === 'arm64' ? (process.platform === 'darwin' ? 'arm64' : 'aarch64') : process.arch;
  if (process.platform === 'darwin') return `macos-${arch}`;
  if (process.platform === 'win32') return process.arch === 'arm64' ? 'windows-arm64' : 'windows-amd64';
  return `linux-${arch}`;
}

const resolve: CommandDefinition = {
  usage: 'release compat resolve NAME==VERSION [--from SOURCE]',
  positionals: { name: 'NAME==VERSION', max: 1 },
  description: 'Given one component version, print the whole version set it belongs to.',
  options: { from: FROM },
  examples: ['release compat resolve demo-core==0.3.0', 'release compat resolve engine-client==26.3.4 --from github:acme/engine --json'],
  async run(ctx, args) {
    const spec = args.positionals[0] ?? '';
    const m = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*(\S+)\s*$/.exec(spec);
    if (!m) throw new UsageError(`\`${spec}\` is not NAME==VERSION`, { hint: 'e.g. `release compat resolve demo-core==0.3.0`' });
    const name = normalizeName(m[1]!);
    const version = normalizeVersion(m[2]!);
    if (!version) throw new UsageError(`\`${m[2]}\` is not a PEP 440 version`, { hint: 'e.g. 1.2.0 or 1.2.0rc1' });
    const source = await openFrom(ctx, str(args, 'from'));
    const summaries = await source.list();
    // PEP 440 equality: 0.2 == 0.2.0.
    const same = (v: string) => {
      try {
        return compareVersions(v, version) === 0;
      } catch {
        return false;
      }
    };
    // The set with the component's own version first: in a monorepo with one VERSION it is the one.
    const ordered = [...summaries.filter((s) => same(s.version)), ...summaries.filter((s) => !same(s.version))];
    for (const s of ordered) {
      const set = await source.get(s.version);
      if (set.packages.some((p) => p.name === name && same(p.version))) {
        const text = [`${name}==${version} is part of version set ${set.version} (tag ${set.tag}):`, ...set.packages.map((p) => `  ${p.name}==${p.version}`)].join('\n');
        return { text, json: { set: set.version, tag: set.tag, commit: set.commit, packages: set.packages.map((p) => ({ name: p.name, version: p.version })) } };
      }
    }
    throw new CompatError(`${name}==${version} is in no version set of ${source.label}`, {
      hint: `run \`release compat list --from ${source.label}\`; check the name and version`,
    });
  },
};

const check: CommandDefinition = {
  usage: 'release compat check [--python PATH] [--from SOURCE] [--partial]',
  description:
    'Inspect the installed distributions of a Python environment (its *.dist-info metadata, read through that ' +
    'interpreter) and report which version set they belong to, and every component from another set or missing. ' +
    'Exit code 0 only when they form one set (with --partial, missing components are allowed).',
  options: {
    python: { type: 'string', valueName: 'PATH', description: 'the interpreter of the environment (default: python3)' },
    from: FROM,
    partial: { type: 'boolean', description: 'a subset of one set is fine: only mixed versions fail' },
  },
  examples: ['release compat check --python .venv/bin/python', 'release compat check --python /opt/app/bin/python --from github:acme/engine --json'],
  async run(ctx, args) {
    const { installedDistributions, checkEnvironment, describeReport } = await import('../compat/check.js');
    const python = str(args, 'python') ?? 'python3';
    const installed = await installedDistributions(ctx, python);
    const source = await openFrom(ctx, str(args, 'from'));
    const sets = [];
    for (const s of await source.list()) sets.push(await source.get(s.version));
    const report = checkEnvironment(installed, sets, { partial: bool(args, 'partial') });
    const text = describeReport(report, python);
    if (!report.ok) ctx.log.error(text.split('\n')[0]!);
    return { text, json: { python, source: source.label, ...report }, exitCode: report.ok ? ExitCode.ok : ExitCode.failure };
  },
};

export const commands: Record<string, CommandDefinition> = { list, fetch: fetchCmd, resolve, check };
