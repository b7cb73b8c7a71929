// Builds every workspace package: each src/**/*.ts file is transpiled one-to-one into dist/
// (no bundling), so `new URL('./kernels.js', import.meta.url)` in a package finds the built
// kernel module that worker threads import.
//
// --types also emits the published packages' declarations into each package's types/ (tsc -b
// over tsconfig.build.json: composite projects with incremental build info, so an unchanged
// package costs nothing). The repository itself does not need them (tsc reads the sources through
// the "@tessera/source" condition); packing does (scripts/pack.mjs), so `npm test` builds them.
// --types-only emits the declarations alone (dist/ untouched). --quiet prints nothing on success.
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { readdir, rename, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, dirname, relative } from 'node:path';
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
