// `npm run demo` / `npm test` on a fresh machine with only Node 20 and npm: installs the
// workspace with pnpm (through npx) when needed, builds, then runs the requested command.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PNPM = ['-y', 'pnpm@10.34.9'];

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env });
  if (r.error) throw r.error;
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const marker = join(root, 'node_modules', '.modules.yaml');
const lock = join(root, 'pnpm-lock.yaml');
if (!existsSync(marker) || statSync(lock).mtimeMs > statSync(marker).mtimeMs) {
  run('npx', [...PNPM, 'install', '--frozen-lockfile']);
}
const [target, ...rest] = process.argv.slice(2);
// The tests pack the packages (the consumer test), which needs their declarations; the demo does not.
run(process.execPath, [join(root, 'scripts', 'build.mjs'), '--quiet', ...(target === 'test' ? ['--types'] : [])]);

if (target === 'test') {
  // Formatting and the import rules first (scripts/lint.mjs): a few seconds, and a failure there
  // says what to run (npm run format) rather than surfacing as a diff in review.
  run(process.execPath, [join(root, 'scripts', 'lint.mjs')]);
  run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', root]);
  run(process.execPath, [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', ...rest]);
} else if (target) {
  run(process.execPath, [join(root, 'packages', 'cli', 'dist', 'bin.js'), target, ...rest]);
}
