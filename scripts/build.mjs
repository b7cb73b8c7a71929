// Builds every workspace package into its dist/.
//
// A published package is bundled with code splitting: its entry points are the modules that are
// reached by URL rather than by import — index.ts and the package's other exports, every module
// named in a `new URL('./x.js', import.meta.url)` (kernel modules, worker entries), and modules
// that hand their own URL to workers (`registerWorkerModule(import.meta.url)`, user kernels). Each
// entry keeps its path in dist/, so those URLs still name it; the code the entries share goes to
// chunks at dist/'s root, each source module into exactly one output file, so a thread that
// imports several entries still gets one instance of every module (one registry, one class per
// estimator). Few entries make few chunks: each package registers one kernel module. Loading ~20
// files instead of ~230 per thread is what this is for: module loading (resolution + compilation
// per file) was ~0.12 s of the main thread's start and as much again on each worker before its
// first task; now ~40 ms.
//
// A module's code may land in a chunk elsewhere than its own path, so `import.meta.url` in it is
// replaced by the URL its module would have had unbundled: the build runs twice, the first time
// only to learn where each module lands, and fails if the second placement differs.
//
// bench/ (a harness run from a checkout) is transpiled one-to-one, as before.
//
// --types also emits the published packages' declarations into each package's types/ (tsc -b
// over tsconfig.build.json: composite projects with incremental build info, so an unchanged
// package costs nothing). The repository itself does not need them (tsc reads the sources through
// the "@tessera/source" condition); packing does (scripts/pack.mjs), so `npm test` builds them.
// --types-only emits the declarations alone (dist/ untouched). --quiet prints nothing on success.
import { build, transform } from 'esbuild';
import { spawn } from 'node:child_process';
import { readFile, readdir, rename, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const packageDirs = ['scheduler', 'estimators', 'bench', ...(await readdir(join(root, 'packages'))).map((d) => join('packages', d))];

async function sources(dir) {
  const out = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
      out.push(join(entry.parentPath ?? entry.path, entry.name));
    }
  }
  return out;
}

/**
 * tsc -b over the published packages' declaration projects, then removes declarations whose
 * source is gone (tsc never deletes outputs, and a stale one would be packed). Resolves with the
 * exit code; tsc's diagnostics go to stderr.
 */
function buildTypes() {
  return new Promise((resolve, reject) => {
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const child = spawn(process.execPath, [tsc, '-b', join(root, 'tsconfig.build.json')], {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  }).then(async (code) => {
    if (code === 0) await removeStaleDeclarations();
    return code;
  });
}

async function removeStaleDeclarations() {
  for (const pkg of packageDirs) {
    const types = join(root, pkg, 'types');
    let entries;
    try {
      entries = await readdir(types, { withFileTypes: true, recursive: true });
    } catch {
      continue; // not a published package, or never built
    }
    for (const entry of entries) {
      const m = /^(.*)\.d\.ts(\.map)?$/.exec(entry.name);
      if (!entry.isFile() || !m) continue;
      const dir = entry.parentPath ?? entry.path;
      const source = join(root, pkg, 'src', relative(types, dir), `${m[1]}.ts`);
      if (!existsSync(source)) await rm(join(dir, entry.name), { force: true });
    }
  }
}

/** The modules of a package that are reached by URL (see the header). */
async function urlEntries(pkgDir, files) {
  const src = join(pkgDir, 'src');
  const entries = new Set([join(src, 'index.ts')]);
  const manifest = JSON.parse(await readFile(join(pkgDir, 'package.json'), 'utf8'));
  for (const target of Object.values(manifest.exports ?? {}))
    if (target && typeof target === 'object' && typeof target['@tessera/source'] === 'string')
      entries.add(resolve(pkgDir, target['@tessera/source']));
  if (typeof manifest.bin === 'object')
    for (const bin of Object.values(manifest.bin)) entries.add(join(src, relative('dist', bin).replace(/\.js$/, '.ts')));
  for (const file of files) {
    // Comments hold examples (`new URL('./my-kernels.js', import.meta.url)`), not references.
    const text = (await readFile(file, 'utf8')).replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
    const named = (rel) => {
      const target = resolve(dirname(file), `${rel}.ts`);
      if (!existsSync(target))
        throw new Error(`build: ${relative(root, file)} names ${rel}.js, which has no source ${relative(root, target)}`);
      entries.add(target);
    };
    for (const m of text.matchAll(/new URL\(\s*'(\.\.?\/[^']+)\.js'\s*,\s*import\.meta\.url/g)) named(m[1]);
    // Modules that hand their own URL to workers (registerWorkerModule, user kernels).
    if (/registerWorkerModule\(import\.meta\.url\)|module: import\.meta\.url/.test(text)) entries.add(file);
  }
  return [...entries];
}

/** Bundles a published package with code splitting into `outdir` (see the header). */
async function bundlePackage(pkgDir, files, outdir) {
  const src = join(pkgDir, 'src');
  const entryPoints = await urlEntries(pkgDir, files);
  const options = {
    entryPoints,
    outbase: src,
    outdir,
    bundle: true,
    splitting: true,
    // Other packages (@tessera/* too) stay imports: each package is loaded once per thread.
    packages: 'external',
    chunkNames: '[name]-[hash]',
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
    metafile: true,
  };
  const placement = (metafile) => {
    const out = new Map();
    for (const [file, output] of Object.entries(metafile.outputs))
      if (file.endsWith('.js')) for (const input of Object.keys(output.inputs)) out.set(resolve(root, input), resolve(root, file));
    return out;
  };
  const first = placement((await build({ ...options, write: false })).metafile);
  const moduleUrl = {
    name: 'module-url',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, async (args) => {
        const source = await readFile(args.path, 'utf8');
        if (!source.includes('import.meta.url')) return undefined;
        const landed = first.get(args.path);
        if (!landed) throw new Error(`build: no output for ${relative(root, args.path)}`);
        const own = join(outdir, relative(src, args.path)).replace(/\.ts$/, '.js');
        let rel = relative(dirname(landed), own).split(sep).join('/');
        if (!rel.startsWith('.')) rel = `./${rel}`;
        const js = await transform(source, {
          loader: 'ts',
          format: 'esm',
          target: 'node20',
          sourcemap: 'inline',
          sourcefile: args.path,
          define: { 'import.meta.url': '__tesseraModuleUrl' },
        });
        // On the first line (after a hashbang), so the source map's lines stay right.
        const prefix = `const __tesseraModuleUrl = new URL(${JSON.stringify(rel)}, import.meta.url).href; `;
        const bang = js.code.startsWith('#!') ? js.code.indexOf('\n') + 1 : 0;
        return { contents: js.code.slice(0, bang) + prefix + js.code.slice(bang), loader: 'js', resolveDir: dirname(args.path) };
      });
    },
  };
  const result = await build({ ...options, sourcemap: 'linked', plugins: [moduleUrl] });
  // Chunks' names hash their contents, which the second pass changed: what must not change is
  // the directory each module's code landed in (what its URL was computed from).
  for (const [input, output] of placement(result.metafile))
    if (dirname(first.get(input) ?? '') !== dirname(output))
      throw new Error(`build: ${relative(root, input)} moved from ${first.get(input)} to ${output} between the two passes`);
}

const typesOnly = process.argv.includes('--types-only');
const withTypes = typesOnly || process.argv.includes('--types');
const started = performance.now();
// Declarations build alongside the transpile (tsc reads src/, esbuild writes dist/).
const types = withTypes ? buildTypes() : Promise.resolve(0);
await Promise.all(
  (typesOnly ? [] : packageDirs).map(async (pkg) => {
    const src = join(root, pkg, 'src');
    let entryPoints;
    try {
      entryPoints = await sources(src);
    } catch {
      return; // a package without sources yet
    }
    if (entryPoints.length === 0) return; // a package being started: src/ exists, still empty
    // Build beside dist/, then swap it in: a test or program running meanwhile never finds
    // dist/ missing (only files of deleted sources disappear with the old one).
    const outdir = join(root, pkg, 'dist');
    const fresh = join(root, pkg, `.dist-${process.pid}`);
    const stale = join(root, pkg, `.dist-old-${process.pid}`);
    await rm(fresh, { recursive: true, force: true });
    if (pkg === 'bench') {
      await build({
        entryPoints,
        outbase: src,
        outdir: fresh,
        format: 'esm',
        platform: 'node',
        target: 'node20',
        sourcemap: 'linked',
        logLevel: 'warning',
      });
    } else {
      await bundlePackage(join(root, pkg), entryPoints, fresh);
    }
    await rename(outdir, stale).catch(() => {});
    await rename(fresh, outdir);
    await rm(stale, { recursive: true, force: true });
  }),
);
const jsMs = performance.now() - started;
const typesCode = await types;
if (typesCode !== 0) {
  console.error(`build: the declarations failed (tsc -b tsconfig.build.json exited with ${typesCode}; its errors are above)`);
  process.exit(typesCode);
}
if (!process.argv.includes('--quiet')) {
  const typesNote = withTypes ? `, declarations in ${Math.round(performance.now() - started)} ms` : '';
  console.error(
    typesOnly
      ? `declarations built in ${Math.round(performance.now() - started)} ms`
      : `built ${packageDirs.length} packages in ${Math.round(jsMs)} ms${typesNote}`,
  );
}
