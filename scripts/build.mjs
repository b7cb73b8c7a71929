// Builds every workspace package: each src/**/*.ts file is transpiled one-to-one into dist/
// (no bundling), so `new URL('./kernels.js', import.meta.url)` in a package finds the built
// kernel module that worker threads import.
import { build } from 'esbuild';
import { readdir, rename, rm } from 'node:fs/promises';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const packageDirs = [
  'scheduler',
  'estimators',
  'bench',
  ...(await readdir(join(root, 'packages'))).map((d) => join('packages', d)),
];

async function sources(dir) {
  const out = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
      out.push(join(entry.parentPath ?? entry.path, entry.name));
    }
  }
  return out;
}

const started = performance.now();
await Promise.all(
  packageDirs.map(async (pkg) => {
    const src = join(root, pkg, 'src');
    let entryPoints;
    try {
      entryPoints = await sources(src);
    } catch {
      return; // a package without sources yet
    }
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
if (!process.argv.includes('--quiet')) {
  console.error(`built ${packageDirs.length} packages in ${Math.round(performance.now() - started)} ms`);
}
