// The workspace's habits, checked (by `npm run lint`, and by `npm test` before the tests):
//   - formatting: Prettier (.prettierrc.json; `npm run format` fixes it);
//   - imports: no cycles within a package, packages one way down the layers
//     (dependency-cruiser, .dependency-cruiser.cjs; docs/architecture.md).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const SOURCES = [
  'scheduler/src',
  'packages/io/src',
  'packages/array/src',
  'packages/frame/src',
  'estimators/src',
  'packages/diagnostics/src',
  'packages/cli/src',
  'packages/distributed/src',
];

function run(what, cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.error) throw r.error;
  if (r.status !== 0) {
    console.error(`lint: ${what} failed (exit code ${r.status}).`);
    process.exit(r.status ?? 1);
  }
}

run('formatting (npm run format fixes it)', bin('prettier'), ['--check', '--log-level', 'warn', '**/*.{ts,mts,cts,js,mjs,cjs}']);
run('import rules (docs/architecture.md)', bin('depcruise'), ['--config', '.dependency-cruiser.cjs', ...SOURCES]);
