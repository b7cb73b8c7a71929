// Writes docs/examples/programs/ from the code blocks of the pages (see extract.mjs):
// one <page>-<nn>.ts per program, plus the support files. tsc typechecks them with the rest of
// the workspace; docs.test.ts checks they are up to date and runs them.
//
//   node docs/examples/sync.mjs          rewrite programs/
//   node docs/examples/sync.mjs --check  exit 1 if programs/ is out of date
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expectedProgramFiles } from './extract.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const dir = join(here, 'programs');
const check = process.argv.includes('--check');

const expected = expectedProgramFiles(root);
mkdirSync(dir, { recursive: true });
const present = readdirSync(dir);
const stale = present.filter((f) => !expected.has(f));
const changed = [...expected].filter(([f, code]) => !present.includes(f) || readFileSync(join(dir, f), 'utf8') !== code).map(([f]) => f);
if (check) {
  if (stale.length || changed.length) {
    console.error(
      `docs/examples/programs is out of date (${[...changed, ...stale.map((f) => `${f} (stale)`)].join(', ')}); run node docs/examples/sync.mjs`,
    );
    process.exit(1);
  }
} else {
  for (const f of stale) rmSync(join(dir, f));
  for (const f of changed) writeFileSync(join(dir, f), expected.get(f));
  console.log(`docs/examples/programs: ${expected.size} files, ${changed.length} written, ${stale.length} removed`);
}
