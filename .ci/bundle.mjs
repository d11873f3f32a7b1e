#!/usr/bin/env node
// The single-file wheelwright: src/cli.ts and every dependency in one ES module, with the data files the package
// ships (package.json `files`) inside it. `action.yml` runs it; `release ci init` vendors it into a repository.
//
//   node .ci/bundle.mjs            write bundle/wheelwright.mjs (+ .sha256)
//   node .ci/bundle.mjs --check    exit 1 when the committed bundle differs from a fresh build of the source
//
// The file's code is the loader and the light commands (LIGHT_COMMANDS: `version show`, `version check`,
// `config show`, and help): src/cli.ts with only what they run, one ES module of ~90 KB that needs nothing
// unpacked, so a cold run on a new runner costs Node's start-up and the command (issue #14). After it, in a
// trailing comment (brotli, base64: Node reads and scans the whole file on every run, and bench/startup shows a
// 3.4 MB comment alone costing ~0.5x of `node -e 0`), comes the full CLI as code-split ES modules plus the data
// files. `--check` compares what the comment holds, not its compressed bytes, which may differ between zlib
// builds. The first command that is not light writes them to <RUNNER_TEMP or tmp>/wheelwright-<hash>/ and
// imports the full CLI's entry from there: Node then parses only the chunks a command needs (a comment is
// scanned, not parsed), and every later run skips the writing. A light command on a rarer path (a config only
// the YAML parser or the schema can read, a glob of packages) loads those from the folder too.
// Modules find their data relative to import.meta.url (recipes/, src/binary/data, the notes templates, worker and
// task scripts): each module's import.meta.url becomes its place in the package layout (dist-js/…) under that folder.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';
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
      // With code splitting esbuild turns `import('cjs-package')` into a chunk whose only export is `default` (the
      // module.exports object); unwrap it so `const { parse } = await import('yaml')` works as under Node.
      text = text.replace(/await import\('([^.'][^']*)'\)/g, (all, spec) => (spec.startsWith('node:') ? all : `await import('${spec}').then(__wwInterop)`));
      text = text.replaceAll('import.meta.url', `__wwUrl(${JSON.stringify(rel)})`).replaceAll('import.meta.dirname', `__wwDir(${JSON.stringify(path.posix.dirname(rel))})`);
      return { contents: text, loader: 'ts' };
    });
  },
};

/** Scripts a worker thread starts or imports by URL (`new URL('./worker.js', import.meta.url)`): entry points of their own. */
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

// Each output file starts with the helpers the rewritten modules call. The loader sets WHEELWRIGHT_BUNDLE_ROOT before it
// imports anything (worker threads inherit it with the environment).
const helpers = `import { createRequire as __wwCreateRequire } from 'node:module';
import { join as __wwJoin } from 'node:path';
import { pathToFileURL as __wwToUrl } from 'node:url';
const require = __wwCreateRequire(import.meta.url);
const __wwUrl = (rel) => __wwToUrl(__wwJoin(process.env.WHEELWRIGHT_BUNDLE_ROOT, rel)).href;
const __wwDir = (rel) => __wwJoin(process.env.WHEELWRIGHT_BUNDLE_ROOT, rel);
const __wwInterop = (m) => (Object.keys(m).length === 1 && 'default' in m ? m.default : m);`;

/** The CLI as ES modules split into chunks: a command loads only the chunks it imports, as the unbundled CLI does. */
async function modules() {
  const entry = {
    name: 'entry',
    setup(b) {
      b.onResolve({ filter: /^wheelwright-entry$/ }, () => ({ path: 'entry', namespace: 'ww' }));
      // A library as a module whose default export is what `import()` gives under Node (module.exports for CommonJS).
      b.onResolve({ filter: /^wheelwright-lib:/ }, (a) => ({ path: a.path.slice(16), namespace: 'ww-lib' }));
      b.onLoad({ filter: /.*/, namespace: 'ww-lib' }, (a) => ({
        contents: `import * as m from ${JSON.stringify(a.path)};\nexport default ((ns) => (Object.keys(ns).length === 1 && 'default' in ns ? ns.default : ns))(m);\n`,
        resolveDir: root,
        loader: 'js',
      }));
      // bin/release's two lines, plus the action's inputs when there is no command line.
      b.onLoad({ filter: /.*/, namespace: 'ww' }, () => ({
        contents: "import { actionArgv, main } from './src/cli.ts';\nconst argv = process.argv.slice(2);\nprocess.exitCode = await main(argv.length === 0 ? (actionArgv(process.env) ?? argv) : argv);\n",
        resolveDir: root,
        loader: 'ts',
      }));
    },
  };
  const extra = workerEntries().map((f) => ({ in: f, out: layoutPath(f).replace(/\.js$/, '') }));
  // What the light commands may load from the unpacked folder, at fixed paths (see LIGHT_FROM_FOLDER).
  const forLight = Object.entries(LIGHT_FROM_FOLDER).map(([spec, out]) =>
    spec.startsWith('.') ? { in: path.join(root, 'src', out.slice('dist-js/'.length).replace(/\.js$/, '.ts')), out: out.replace(/\.js$/, '') } : { in: `wheelwright-lib:${spec}`, out: out.replace(/\.js$/, '') },
  );
  const r = await build({
    entryPoints: [{ in: 'wheelwright-entry', out: 'dist-js/entry' }, ...extra, ...forLight],
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outdir: path.join(root, '.bundle-out'),
    chunkNames: 'dist-js/chunks/[name]-[hash]',
    write: false,
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
    ...shared,
    banner: { js: helpers },
    plugins: [entry, relocate],
  });
  const files = {};
  for (const f of r.outputFiles) files[path.relative(path.join(root, '.bundle-out'), f.path).split(path.sep).join('/')] = f.text;
  return files;
}

/** Commands the file runs from its own text, without unpacking anything (issue #14: a cold `version show`). */
const LIGHT_COMMANDS = ['version show', 'version check', 'config show'];

/**
 * Modules the light commands import only on a rarer path (a config the fast path cannot read, an invalid config,
 * a glob of packages): they come from the unpacked folder, which is made then. Only modules that hold no state of
 * wheelwright's own (libraries, the schema) may be loaded this way: a second copy of errors.ts or secrets.ts would
 * split `instanceof` and the secret registry in two. Import specifier → path in the folder.
 */
const LIGHT_FROM_FOLDER = { yaml: 'dist-js/lib/yaml.js', tinyglobby: 'dist-js/lib/tinyglobby.js', './schema.js': 'dist-js/config/schema.js' };

/**
 * Modules a light command never reaches: the other commands' modules and what they start. The light build has none of
 * them; importing one there is an error (a bug in LIGHT_COMMANDS), never a silent second copy of a module.
 */
const NOT_LIGHT = /^\.\/(commands\/(?!version\.js|config\.js)[\w-]+\.js|workers\/pool\.js|verify\/tasks\.js|manifest\.js)$|^\.\.\/version\/(bump|sync)\.js$|^execa$/;

/** Options both builds share: the same output in any checkout (a worktree's node_modules may be a symlink). */
const shared = { preserveSymlinks: true, define: { __BUNDLED_TOOL_VERSION__: JSON.stringify(pkg.version) } };

/**
 * The loader and the light commands as one ES module (the file's code): src/cli.ts with only what `version show`,
 * `version check` and `config show` run; anything else unpacks the folder and runs the full CLI from it.
 */
async function light(hash) {
  const virtual = {
    // Any other command (or the action's): the folder is written on first use, then its entry runs.
    'wheelwright-light': `import { actionArgv, commandOf, main } from './src/cli.ts';
import { runFull } from 'wheelwright-loader';
const argv = process.argv.slice(2);
const args = argv.length === 0 ? (actionArgv(process.env) ?? argv) : argv;
const key = commandOf(args);
// No command (help, --version, a typo) is light too.
if (key === undefined || ${JSON.stringify(LIGHT_COMMANDS)}.includes(key)) process.exitCode = await main(args);
else await runFull();
`,
    'wheelwright-loader': `import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
// Code is run from the folder: only a real directory of this user that no one else can write to (under a shared /tmp,
// another user could have made it first), and only a complete one.
const ours = (d) => {
  try {
    const st = lstatSync(d);
    return st.isDirectory() && (typeof process.getuid !== 'function' || st.uid === process.getuid()) && (st.mode & 0o022) === 0 && existsSync(join(d, '.complete'));
  } catch {
    return false;
  }
};
let made;
/** <WHEELWRIGHT_DATA_DIR, RUNNER_TEMP or tmp>/wheelwright-<hash>/: the files of the trailing comment, written on first use. */
async function folder() {
  if (made) return made;
  const base = process.env.WHEELWRIGHT_DATA_DIR || process.env.RUNNER_TEMP || tmpdir();
  let dir = join(base, 'wheelwright-${hash}');
  if (!ours(dir)) {
    const self = readFileSync(fileURLToPath(import.meta.url), 'latin1');
    const packed = Buffer.from(self.slice(self.lastIndexOf('/*WHEELWRIGHT-FILES') + 19, self.lastIndexOf('*/')), 'base64');
    const all = (await import('node:zlib')).brotliDecompressSync(packed);
    mkdirSync(base, { recursive: true });
    const tmp = mkdtempSync(dir + '.'); // mode 0700, a name no one can guess
    const dirs = new Set([tmp]);
    let at = 4 + all.readUInt32LE(0);
    for (const [rel, size] of JSON.parse(all.toString('utf8', 4, at))) {
      const parent = dirname(join(tmp, rel));
      if (!dirs.has(parent)) { mkdirSync(parent, { recursive: true }); dirs.add(parent); }
      writeFileSync(join(tmp, rel), all.subarray(at, at += size));
    }
    writeFileSync(join(tmp, '.complete'), '');
    try { renameSync(tmp, dir); } catch { /* taken: by a run that finished first, or by something we must not use */ }
    if (!ours(dir)) dir = tmp; // run from this run's own copy
    else if (existsSync(tmp)) rmSync(tmp, { recursive: true, force: true });
  }
  process.env.WHEELWRIGHT_BUNDLE_ROOT = dir;
  // Node 22.1+ keeps compiled chunks next to them: every run after the first skips parsing (runners have Node 24).
  (await import('node:module')).enableCompileCache?.(join(dir, '.compile-cache'));
  return (made = dir);
}
/** A module of the folder (LIGHT_FROM_FOLDER): a library's default export is what import() gives under Node. */
export async function fromFolder(rel) {
  const m = await import(pathToFileURL(join(await folder(), rel)).href);
  return rel.startsWith('dist-js/lib/') ? m.default : m;
}
export function notLight(spec) {
  throw new Error(\`\${spec} is not in the single file's light build (.ci/bundle.mjs LIGHT_COMMANDS)\`);
}
export async function runFull() {
  await import(pathToFileURL(join(await folder(), 'dist-js/entry.js')).href);
}
`,
  };
  const plugin = {
    name: 'light',
    setup(b) {
      b.onResolve({ filter: /^wheelwright-(light|loader)$/ }, (a) => ({ path: a.path, namespace: 'ww-light' }));
      b.onLoad({ filter: /.*/, namespace: 'ww-light' }, (a) => ({ contents: virtual[a.path], resolveDir: root, loader: 'js' }));
      b.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, (args) => {
        let text = readFileSync(args.path, 'utf8').replace(/const require = createRequire\(import\.meta\.url\);/, '');
        text = text.replace(/import\('([^']+)'\)/g, (all, spec) => {
          if (Object.hasOwn(LIGHT_FROM_FOLDER, spec)) return `import('wheelwright-loader').then((l) => l.fromFolder(${JSON.stringify(LIGHT_FROM_FOLDER[spec])}))`;
          if (NOT_LIGHT.test(spec)) return `import('wheelwright-loader').then((l) => l.notLight(${JSON.stringify(spec)}))`;
          return all;
        });
        // tool.ts reads __BUNDLED_TOOL_VERSION__ first (defined); anything else that finds files next to itself is not light.
        const rest = args.path.endsWith(`${path.sep}tool.ts`) ? '' : text;
        if (/import\.meta/.test(rest)) throw new Error(`${path.relative(root, args.path)} uses import.meta: keep it out of the light build (NOT_LIGHT)`);
        return { contents: text, loader: 'ts' };
      });
    },
  };
  const r = await build({
    entryPoints: ['wheelwright-light'],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
    ...shared,
    plugins: [plugin],
  });
  const text = r.outputFiles[0].text;
  // The CommonJS it holds (@renovatebot/pep440) requires no built-in module: no require() (node:module) is set up.
  if (text.includes('Dynamic require of')) throw new Error('the light build calls require(): give it one (createRequire) or keep that module out');
  return text;
}

/**
 * One file: the light commands and the loader as its code, then every module and data file in a trailing comment.
 * The loader writes them to <RUNNER_TEMP or tmp>/wheelwright-<hash>/ the first time a command needs them
 * (atomically, by rename), then imports the full CLI's entry from there.
 */
async function bundle() {
  const files = { ...dataFiles(), ...(await modules()) };
  // One buffer: a JSON index of [path, byte length] after its own 4-byte length, then the files' bytes in that order
  // (written out as slices: no decoding or re-encoding of 3 MB of text on a first run).
  const bodies = Object.values(files).map((t) => Buffer.from(t));
  const index = Buffer.from(JSON.stringify(Object.keys(files).map((name, i) => [name, bodies[i].length])));
  const head = Buffer.alloc(4);
  head.writeUInt32LE(index.length);
  const json = Buffer.concat([head, index, ...bodies]);
  const hash = createHash('sha256').update(json).digest('hex').slice(0, 16);
  const loader = `#!/usr/bin/env node
// wheelwright ${pkg.version}, single file (built by .ci/bundle.mjs from the source; do not edit).
${await light(hash)}`;
  return { loader, json };
}

/**
 * The payload: brotli then base64, so the comment Node reads on every run is a quarter of the files' size. Quality 11:
 * 690 KB against 815 KB at quality 5 (Node decodes the whole file as UTF-8 on every run, ~12-20 ms per MB on a loaded
 * runner), and it decompresses in half the time; it costs ~7 s more per build.
 */
const pack = (json) =>
  brotliCompressSync(json, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_LGWIN]: 24, [constants.BROTLI_PARAM_SIZE_HINT]: json.length } }).toString('base64');
/** Loader and files of a bundle file (compressed bytes may differ between zlib builds; what they hold may not). */
const unpack = (text) => {
  const at = text.lastIndexOf('/*WHEELWRIGHT-FILES');
  return { loader: text.slice(0, at), json: at < 0 ? null : brotliDecompressSync(Buffer.from(text.slice(at + 19, text.lastIndexOf('*/')), 'base64')) };
};

const fresh = await bundle();
if (process.argv.includes('--check')) {
  const committed = existsSync(outFile) ? readFileSync(outFile, 'utf8') : null;
  let same;
  try {
    const c = committed === null ? null : unpack(committed);
    same = c !== null && c.loader === fresh.loader && c.json !== null && c.json.equals(fresh.json);
  } catch {
    same = false;
  }
  const sha = committed === null ? '' : createHash('sha256').update(committed).digest('hex');
  const text = committed ?? '';
  if (!same) {
    console.error(`bundle/wheelwright.mjs is ${committed === null ? 'missing' : 'stale'}: run \`node .ci/bundle.mjs\` and commit the result`);
    process.exit(1);
  }
  const recorded = existsSync(`${outFile}.sha256`) ? readFileSync(`${outFile}.sha256`, 'utf8').split(' ')[0] : null;
  if (recorded !== sha) {
    console.error(`bundle/wheelwright.mjs.sha256 says ${recorded}, the bundle has sha256 ${sha}: run \`node .ci/bundle.mjs\` and commit both`);
    process.exit(1);
  }
  console.log(`bundle/wheelwright.mjs matches the source (sha256 ${sha}, ${text.length} bytes)`);
} else {
  const text = `${fresh.loader}/*WHEELWRIGHT-FILES${pack(fresh.json)}*/\n`;
  const sha = createHash('sha256').update(text).digest('hex');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(outFile, text);
  writeFileSync(`${outFile}.sha256`, `${sha}  wheelwright.mjs\n`);
  console.log(`wrote bundle/wheelwright.mjs (${text.length} bytes, sha256 ${sha})`);
}
