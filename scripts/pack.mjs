// Packs every published @tessera package into a tarball, as `npm publish` would upload it:
//
//   node scripts/pack.mjs [--out DIR] [--build]
//
// Packing goes through `pnpm pack`, which writes the version of each `workspace:*` dependency
// into the tarball's package.json and applies `publishConfig` (the `exports` without the
// repository's "@tessera/source" condition); `npm pack` would do neither. The declarations are
// (re)built first (tsc -b, incremental); --build rebuilds dist/ as well (otherwise dist/ is used as
// built, as every test does). Prints one JSON line per tarball: { name, version, tarball, files }.
// The consumer test (test/consumer/) installs these tarballs outside the repository.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The pnpm the repository installs with (scripts/bootstrap.mjs). */
export const PNPM = ['-y', 'pnpm@10.34.9'];

function run(cmd, args, options = {}) {
  return new Promise((resolveRun, reject) => {
    const child = spawn(cmd, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], ...options });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolveRun({ code, stdout, stderr }));
  });
}

/** The workspace packages that are published: every package.json under the workspace without `private`. */
export function publishedPackages() {
  const dirs = ['scheduler', 'estimators', 'bench', ...readdirSync(join(root, 'packages')).map((d) => join('packages', d))];
  const out = [];
  for (const dir of dirs) {
    const file = join(root, dir, 'package.json');
    if (!existsSync(file)) continue;
    const manifest = JSON.parse(readFileSync(file, 'utf8'));
    if (manifest.private !== true) out.push({ dir, name: manifest.name, version: manifest.version });
  }
  return out;
}

/**
 * Builds the declarations (and dist/ with `build`), then packs every published package into `out`.
 * @param {{ out: string, build?: boolean }} options
 * @returns {Promise<{ name: string, version: string, tarball: string, files: string[] }[]>}
 */
export async function packAll({ out, build = false }) {
  const buildArgs = [join(root, 'scripts', 'build.mjs'), '--quiet', build ? '--types' : '--types-only'];
  const built = await run(process.execPath, buildArgs);
  if (built.code !== 0)
    throw new Error(`pack: node scripts/build.mjs ${buildArgs.slice(1).join(' ')} failed\n${built.stderr}${built.stdout}`);
  const packages = publishedPackages();
  for (const p of packages) {
    for (const entry of ['dist/index.js', 'types/index.d.ts']) {
      if (!existsSync(join(root, p.dir, entry))) {
        throw new Error(`pack: ${p.dir}/${entry} is missing: build first (node scripts/build.mjs --types, or pack with --build).`);
      }
    }
  }
  await mkdir(out, { recursive: true });
  const filters = packages.flatMap((p) => ['--filter', p.name]);
  const packed = await run('npx', [...PNPM, '-r', ...filters, 'pack', '--json', '--pack-destination', out]);
  if (packed.code !== 0) throw new Error(`pack: pnpm pack failed (exit ${packed.code})\n${packed.stderr}${packed.stdout}`);
  // pnpm prints one JSON document (an array for a recursive pack), possibly after other output.
  const json = packed.stdout.slice(packed.stdout.indexOf('['));
  const results = JSON.parse(json);
  return results.map((r) => ({ name: r.name, version: r.version, tarball: r.filename, files: r.files.map((f) => f.path) }));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--out');
  const out = resolve(at >= 0 && args[at + 1] ? args[at + 1] : join(root, '.tessera', 'packs'));
  try {
    for (const r of await packAll({ out, build: args.includes('--build') })) console.log(JSON.stringify(r));
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  }
}
