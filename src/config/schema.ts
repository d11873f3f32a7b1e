// The release config: one schema, each key with a description and a default.
import { z } from 'zod';

export const DEFAULT_PYTHONS = ['3.10', '3.11', '3.12', '3.13'];
export const DEFAULT_TARGETS = [
  'linux-x86_64',
  'linux-aarch64',
  'musllinux-x86_64',
  'macos-x86_64',
  'macos-arm64',
  'windows-amd64',
];

const packageEntry = z
  .object({
    path: z.string().min(1).describe('Directory of a Python project (with pyproject.toml), or a glob of them'),
    kind: z
      .enum(['pure', 'native', 'abi3', 'platform'])
      .optional()
      .describe('pure: one py3-none-any wheel; native: one wheel per Python × target; abi3: one wheel per target; platform: pure code with platform-specific resources, one py3-none-<platform> wheel per target. Default: what discovery found (a Pants target tagged platform-specific is `platform`), else pure'),
    builder: z
      .enum(['build', 'cibuildwheel', 'maturin', 'pants'])
      .optional()
      .describe('How wheels are built; default: pants for Pants targets, build for pure, cibuildwheel for native and abi3'),
    targets: z.array(z.string()).optional().describe('Targets for this package only (default: the top-level targets)'),
    python: z.array(z.string()).optional().describe('Python versions for this package only (default: the top-level python)'),
  })
  .strict();

const lineEntry = z
  .object({
    name: z.string().describe('Name of the release line, e.g. "26.3 LTS"'),
    series: z.string().describe('Version prefix the line covers, e.g. "26.3"'),
    lts: z.boolean().default(false).describe('Long-term support line'),
    channel: z.string().optional().describe('Channel name, e.g. "edge" or "stable"'),
    end: z.string().optional().describe('End-of-support date, YYYY-MM-DD'),
  })
  .strict();

export const configSchema = z
  .object({
    version_file: z.string().default('VERSION').describe('Path of the VERSION file, relative to the repository root'),
    version_scheme: z
      .enum(['pep440', 'calver', 'semver'])
      .default('pep440')
      .describe('pep440: MAJOR.MINOR.PATCH with PEP 440 pre/post/dev; calver: YY.MINOR.PATCH; semver: SemVer rules, written as PEP 440'),
    development_status: z
      .boolean()
      .default(false)
      .describe('Keep the `Development Status` classifier in each pyproject.toml in step with the version when `release prepare` / `version bump|set` write it (dev → 2 - Pre-Alpha, a → 3 - Alpha, b/rc → 4 - Beta, final → 5 - Production/Stable)'),
    packages: z
      .array(z.union([z.string().min(1), packageEntry]))
      .default([])
      .describe('Python projects released from this repository: paths or globs, or {path, kind, builder}. Empty: every Pants python_distribution and uv workspace member, else the root pyproject.toml; when set, it narrows and overrides what those declare'),
    python: z.array(z.string().regex(/^3\.\d+t?$/, 'a CPython version like "3.12" (or "3.13t" for free-threaded)')).default(DEFAULT_PYTHONS).describe('CPython versions to build native wheels for'),
    targets: z.array(z.string()).default(DEFAULT_TARGETS).describe('Build targets (recipes), e.g. linux-x86_64, macos-arm64'),
    recipes_dir: z.string().default('.wheelwright/recipes').describe('Directory of recipe files that override or add to the shipped ones'),
    notes: z
      .object({
        config: z.string().optional().describe('Path of the towncrier config (default: towncrier.toml, then pyproject.toml)'),
        consolidate_rc: z.boolean().default(false).describe('On a final release, merge the rc sections of the changelog into it'),
        require_fragments: z.boolean().default(true).describe('`release notes check` fails a change without a fragment'),
        code_paths: z.array(z.string()).default([]).describe('Globs of files that count as code for `notes check` (default: everything but docs and news)'),
      })
      .strict()
      .default({ consolidate_rc: false, require_fragments: true, code_paths: [] })
      .describe('Release notes'),
    git: z
      .object({
        tag_prefix: z.string().default('v').describe('Tag = prefix + version'),
        commit_message: z.string().default('release: {version}').describe('Commit message of `release prepare`; {version} is replaced'),
        release_branch: z.string().default('main').describe('Branch `release prepare` must run on'),
        remote: z.string().default('origin').describe('Remote to push to'),
      })
      .strict()
      .default({ tag_prefix: 'v', commit_message: 'release: {version}', release_branch: 'main', remote: 'origin' })
      .describe('Git settings'),
    publish: z
      .object({
        to: z.array(z.enum(['pypi', 'github', 'index'])).default(['index']).describe('Destinations `release publish` uses by default'),
        pypi: z
          .object({
            repository_url: z.string().url().default('https://upload.pypi.org/legacy/').describe('Upload endpoint'),
            concurrency: z.number().int().min(1).max(32).default(4).describe('Uploads at once'),
            trusted_publishing: z.enum(['auto', 'always', 'never']).default('auto').describe('Use OIDC trusted publishing on GitHub Actions'),
            attestations: z.boolean().default(true).describe('Sign each file and upload its PEP 740 attestation (trusted publishing only; PyPI refuses them with an API token)'),
          })
          .strict()
          .default({ repository_url: 'https://upload.pypi.org/legacy/', concurrency: 4, trusted_publishing: 'auto', attestations: true }),
        github: z
          .object({
            repository: z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'owner/name').optional().describe('owner/name (default: GITHUB_REPOSITORY)'),
            api_url: z.string().url().default('https://api.github.com').describe('REST API base URL (GitHub Enterprise: https://HOST/api/v3)'),
            make_latest: z.enum(['true', 'false', 'legacy']).default('true').describe('make_latest for a final release'),
            attestations: z.boolean().default(true).describe('With an OIDC identity: sign SHA256SUMS (SHA256SUMS.sigstore.json) and send GitHub build provenance for every file'),
          })
          .strict()
          .default({ api_url: 'https://api.github.com', make_latest: 'true', attestations: true }),
        index: z
          .object({
            dir: z.string().default('dist/index').describe('Directory of the static PEP 503/691 index'),
            url: z.string().optional().describe('Public URL the index is served from (for links in version sets)'),
          })
          .strict()
          .default({ dir: 'dist/index' }),
      })
      .strict()
      .default({
        to: ['index'],
        pypi: { repository_url: 'https://upload.pypi.org/legacy/', concurrency: 4, trusted_publishing: 'auto', attestations: true },
        github: { api_url: 'https://api.github.com', make_latest: 'true', attestations: true },
        index: { dir: 'dist/index' },
      })
      .describe('Where releases go'),
    verify: z
      .object({
        max_uncompressed_mb: z.number().positive().default(4096).describe('Zip-bomb guard: largest total uncompressed size of one artifact'),
        max_ratio: z.number().positive().default(200).describe('Warning above this compression ratio of one entry (PyPI judges the archive: 64 MiB, 50×)'),
        strict: z.boolean().default(false).describe('Warnings fail too (as `--strict`)'),
        ignore: z
          .array(z.object({ code: z.string().regex(/^(W|S|SET)-[A-Z0-9-]+$/, 'a finding code such as W-WHEEL-TAGS'), reason: z.string().min(1, 'say why') }).strict())
          .default([])
          .describe('Codes to silence, each `{ code, reason }`; the reason is recorded in the manifest'),
      })
      .strict()
      .default({ max_uncompressed_mb: 4096, max_ratio: 200, strict: false, ignore: [] })
      .describe('Verification limits'),
    set_distribution: z
      .union([
        z.boolean(),
        z
          .object({
            name: z
              .string()
              .regex(/^([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])$/, 'a PEP 508 distribution name (letters, digits, `.`, `_`, `-`; starting and ending with a letter or digit), e.g. backend.ai-release')
              .optional()
              .describe('Its name on PyPI (default: the components\' common name prefix + `-release`)'),
          })
          .strict(),
      ])
      .default(false)
      .describe('Build `<name>-release==V` at the end of verify and publish it with the wheels: a wheel of only .dist-info whose Requires-Dist pins every component ==V and which carries versions.json. true, or {name}'),
    lines: z
      .union([
        z.array(lineEntry),
        z
          .object({ file: z.string().min(1).describe('A maintained-versions.yml-style file: `versions: [{version, lts, retire_after}]`') })
          .strict(),
      ])
      .default([])
      .describe('Maintained release lines (e.g. an LTS series), shown by `release compat list`: a list, or `{file: .github/maintained-versions.yml}`'),
  })
  .strict();

export type ReleaseConfig = z.infer<typeof configSchema>;
export type PackageEntry = z.infer<typeof packageEntry>;
export type ReleaseLine = z.infer<typeof lineEntry>;
