#!/usr/bin/env node
// The single-file wheelwright: src/cli.ts and every dependency in one ES module, with the data files the package
// ships (package.json `files`) inside it. `action.yml` runs it; `release ci init` vendors it into a repository.
//
//   node .ci/bundle.mjs            write bundle/wheelwright.mjs (+ .sha256)
//   node .ci/bundle.mjs --check    exit 1 when the committed bundle differs from a fresh build of the source
//
// Modules find their data relative to import.meta.url (recipes/, src/binary/data, the notes templates, the worker
// script). In the bundle each module's import.meta.url becomes its place in the package layout (dist-js/…) under a
// folder the bundle writes its data files to on first use: <tmp>/wheelwright-<hash of the data>/, written once.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
const outDir = path.join(root, 'bundle');
const outFile = path.join(outDir, 'wheelwright.mjs');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

/** Files under a package.json `files` entry (bin/, dist-js/, bundle/ and action.yml are the bundle or run it). */
function dataFiles() {
  const out = {};
  const walk = (rel) => {
    const abs = path.join(root, rel);
    if (statSync(abs).isDirectory()) {
      for (const name of readdirSync(abs).sort()) walk(path.posix.join(rel, name));
    } else if (!/\.(ts|mjs)$/.test(rel)) {
      out[rel] = readFileSync(abs, 'utf8');
    }
  };
  for (const entry of pkg.files) if (!['bin', 'dist-js', 'bundle', 'action.yml'].includes(entry) && existsSync(path.join(root, entry))) walk(entry);
  out['package.json'] = JSON.stringify({ name: pkg.name, version: pkg.version, type: 'module' }) + '\n';
  return out;
}

/** Where a source module sits in the package layout: src/platforms/recipes.ts → dist-js/platforms/recipes.js. */
const layoutPath = (file) => path.posix.join('dist-js', path.relative(path.join(root, 'src'), file).split(path.sep).join('/').replace(/\.ts$/, '.js'));

/** Rewrites import.meta.url/dirname to the module's place under the data folder, and lets esbuild see require(). */
const relocate = {
  name: 'relocate',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, (args) => {
      let text = readFileSync(args.path, 'utf8');
      const rel = layoutPath(args.path);
      text = text.replace(/const require = createRequire\(import\.meta\.url\);/, '');
      text = text.replaceAll('import.meta.url', `__wwUrl(${JSON.stringify(rel)})`).replaceAll('import.meta.dirname', `__wwDir(${JSON.stringify(path.posix.dirname(rel))})`);
      return { contents: text, loader: 'ts' };
    });
  },
};

/** Scripts started as workers (`new URL('./worker.js', import.meta.url)`) are bundled on their own and shipped as data. */
function workerEntries() {
  const out = [];
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const abs = path.join(dir, e.name);
      if (e.isDirectory()) walk(abs);
      else if (e.name.endsWith('.ts')) {
        for (const m of readFileSync(abs, 'utf8').matchAll(/new URL\('\.\/([\w-]+)\.js', import\.meta\.url\)/g)) out.push(path.join(dir, `${m[1]}.ts`));
      }
    }
  };
  walk(path.join(root, 'src'));
  return [...new Set(out)].filter((f) => existsSync(f));
}

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  write: false,
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [relocate],
};

// Before any module: the data folder and the helpers the rewritten modules call.
const prelude = (files) => {
  const hash = createHash('sha256').update(JSON.stringify(files)).digest('hex').slice(0, 16);
  return `import { createRequire as __wwCreateRequire } from 'node:module';
import { existsSync as __wwExists, mkdirSync as __wwMkdir, writeFileSync as __wwWrite, renameSync as __wwRename, rmSync as __wwRm } from 'node:fs';
import { tmpdir as __wwTmp } from 'node:os';
import { join as __wwJoin, dirname as __wwDirname } from 'node:path';
import { pathToFileURL as __wwToUrl } from 'node:url';
const require = __wwCreateRequire(import.meta.url);
const __wwFiles = ${JSON.stringify(files)};
let __wwRoot;
function __wwData() {
  if (__wwRoot) return __wwRoot;
  const base = process.env.WHEELWRIGHT_DATA_DIR || process.env.RUNNER_TEMP || __wwTmp();
  const dir = __wwJoin(base, 'wheelwright-${hash}');
  if (!__wwExists(__wwJoin(dir, '.complete'))) {
    const tmp = dir + '.' + process.pid;
    for (const [rel, text] of Object.entries(__wwFiles)) {
      __wwMkdir(__wwDirname(__wwJoin(tmp, rel)), { recursive: true });
      __wwWrite(__wwJoin(tmp, rel), text);
    }
    __wwWrite(__wwJoin(tmp, '.complete'), '');
    try { __wwRename(tmp, dir); } catch { __wwRm(tmp, { recursive: true, force: true }); }
  }
  return (__wwRoot = dir);
}
function __wwUrl(rel) { return __wwToUrl(__wwJoin(__wwData(), rel)).href; }
function __wwDir(rel) { return __wwJoin(__wwData(), rel); }
`;
};

async function bundle() {
  const files = dataFiles();
  // Workers first: their bundles are data of the main bundle. They share the data folder with it.
  for (const entry of workerEntries()) {
    const r = await build({ ...common, entryPoints: [entry], banner: { js: prelude({}) } });
    files[layoutPath(entry)] = r.outputFiles[0].text;
  }
  // The entry: bin/release's two lines, plus the action's inputs when there is no command line.
  const stdin = {
    contents: "import { actionArgv, main } from './src/cli.ts';\nconst argv = process.argv.slice(2);\nprocess.exitCode = await main(argv.length === 0 ? (actionArgv(process.env) ?? argv) : argv);\n",
    resolveDir: root,
    sourcefile: 'bundle-entry.ts',
    loader: 'ts',
  };
  const main = await build({ ...common, stdin, banner: { js: `#!/usr/bin/env node\n${prelude(files)}` } });
  return main.outputFiles[0].text;
}

const text = await bundle();
const sha = createHash('sha256').update(text).digest('hex');
if (process.argv.includes('--check')) {
  const committed = existsSync(outFile) ? readFileSync(outFile, 'utf8') : null;
  if (committed !== text) {
    console.error(`bundle/wheelwright.mjs is ${committed === null ? 'missing' : 'stale'}: run \`node .ci/bundle.mjs\` and commit the result (fresh sha256 ${sha})`);
    process.exit(1);
  }
  console.log(`bundle/wheelwright.mjs matches the source (sha256 ${sha}, ${text.length} bytes)`);
} else {
  mkdirSync(outDir, { recursive: true });
  writeFileSync(outFile, text);
  writeFileSync(`${outFile}.sha256`, `${sha}  wheelwright.mjs\n`);
  console.log(`wrote bundle/wheelwright.mjs (${text.length} bytes, sha256 ${sha})`);
}
