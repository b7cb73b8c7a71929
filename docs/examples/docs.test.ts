// The documentation cannot rot: every TypeScript example of docs/*.md and README.md runs here as
// written, every `tessera …` shell example runs, the mirrored programs under programs/ (which tsc
// typechecks) match the pages, relative links resolve, and cli.md lists every option the CLI has.
// How pages mark their blocks: extract.mjs.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';
import { FIXTURE, expectedProgramFiles, pageLine, pages, type PageExamples, type Program } from './extract.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const cli = join(root, 'packages', 'cli', 'dist', 'bin.js');
const programsDir = join(here, 'programs');
const all = pages(root);

interface Output {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: readonly string[], cwd: string, timeoutMs = 90_000, command = process.execPath): Promise<Output> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, FORCE_COLOR: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      stderr += `\n(killed after ${timeoutMs} ms)`;
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr });
    });
  });
}

const tail = (s: string, n = 3000) => (s.length > n ? `…${s.slice(-n)}` : s);

let fixtureDir = '';
let runDir = '';
/** python3 with numpy, dask and scikit-learn, for the pages' Python blocks; '' when there is none. */
let python = '';
const pythonCandidates = [process.env['PYTHON'], '/usr/bin/python3', 'python3'].filter((p): p is string => !!p);

beforeAll(async () => {
  fixtureDir = await mkdtemp(join(tmpdir(), 'tessera-docs-fixture-'));
  for (const args of Object.values(FIXTURE)) {
    const out = await run([cli, ...args], fixtureDir);
    if (out.code !== 0) throw new Error(`making the docs fixture failed: tessera ${args.join(' ')}\n${out.stderr}`);
  }
  // Transpiled programs live inside the repository (so '@tessera/…' resolves from the root's
  // node_modules), in a directory of this run's own (others may run the suite at the same time).
  for (const candidate of pythonCandidates) {
    const probe = await run(['-c', 'import numpy, dask, sklearn'], fixtureDir, 30_000, candidate).catch(() => undefined);
    if (probe?.code === 0) {
      python = candidate;
      break;
    }
  }
  runDir = join(here, '.run', `${process.pid}-${Date.now().toString(36)}`);
  await mkdir(runDir, { recursive: true });
  const programNames = new Set(all.flatMap((p) => p.programs.map((prog) => `${prog.name}.ts`)));
  for (const [name, code] of expectedProgramFiles(root)) {
    if (name.endsWith('.ts')) {
      // Programs run as NAME.mjs; a TypeScript support file (```ts file=NAME.ts) becomes NAME.js,
      // the name the programs import it by (the repository's package.json makes .js a module).
      const js = await transform(code, {
        loader: 'ts',
        format: 'esm',
        target: 'node20',
        sourcemap: 'inline',
        sourcefile: join(programsDir, name),
      });
      await writeFile(join(runDir, name.replace(/\.ts$/, programNames.has(name) ? '.mjs' : '.js')), js.code);
    } else {
      await writeFile(join(runDir, name), code);
    }
  }
}, 120_000);

afterAll(async () => {
  if (runDir) await rm(runDir, { recursive: true, force: true });
  if (fixtureDir) await rm(fixtureDir, { recursive: true, force: true });
});

/** Points `programs/NAME.ts:LINE` in a stack trace at the page line it came from. */
function toPageLines(text: string, programs: readonly Program[]): string {
  return text.replace(/(?:file:\/\/)?[^\s()]*programs\/([\w.-]+)\.ts:(\d+)(?::\d+)?/g, (m, name: string, line: string) => {
    const p = programs.find((q) => q.name === name);
    return p ? `${pageLine(p, Number(line))} (${m.replace(/^.*programs\//, 'programs/')})` : m;
  });
}

async function runPage(page: PageExamples): Promise<void> {
  const cwd = await mkdtemp(join(tmpdir(), `tessera-docs-${page.page.replace(/\W+/g, '-')}-`));
  try {
    if (!page.emptyDir) for (const name of Object.keys(FIXTURE)) await symlink(join(fixtureDir, name), join(cwd, name.replace(/\/$/, '')));
    for (const step of page.steps) {
      if (step.kind === 'program') {
        const out = await run(['--enable-source-maps', join(runDir, `${step.program.name}.mjs`)], cwd);
        if (out.code !== 0) {
          throw new Error(
            `${page.page}: the example at ${step.program.parts.map((p) => `line ${p.line}`).join(' + ')} (docs/examples/programs/${step.program.name}.ts) failed with exit code ${out.code}\n` +
              `--- stderr\n${tail(toPageLines(out.stderr, page.programs))}\n--- stdout\n${tail(out.stdout)}`,
          );
        }
      } else if (step.kind === 'python') {
        if (!python) {
          console.warn(
            `${page.page}:${step.line}: Python block not run: no python3 with numpy, dask and scikit-learn (apt-get install python3-dask python3-sklearn)`,
          );
          continue;
        }
        const out = await run(['-c', step.code], cwd, 90_000, python);
        if (out.code !== 0)
          throw new Error(
            `${page.page}:${step.line}: the Python block failed with exit code ${out.code}\n--- stderr\n${tail(out.stderr)}\n--- stdout\n${tail(out.stdout)}`,
          );
      } else {
        for (const words of step.commands) {
          const out = await run([cli, ...words.slice(1)], cwd);
          if (out.code !== 0) {
            throw new Error(
              `${page.page}:${step.line}: \`${words.join(' ')}\` failed with exit code ${out.code}\n--- stderr\n${tail(out.stderr)}\n--- stdout\n${tail(out.stdout)}`,
            );
          }
        }
      }
    }
  } finally {
    await rm(cwd, { recursive: true, force: true });
  }
}

test('docs/examples/programs mirrors the pages (node docs/examples/sync.mjs rewrites it)', () => {
  const expected = expectedProgramFiles(root);
  const present = readdirSync(programsDir).sort();
  expect(present, 'files in docs/examples/programs (run node docs/examples/sync.mjs)').toEqual([...expected.keys()].sort());
  for (const [name, code] of expected) {
    expect(
      readFileSync(join(programsDir, name), 'utf8'),
      `docs/examples/programs/${name} is out of date: run node docs/examples/sync.mjs`,
    ).toBe(code);
  }
});

test('the pages have examples, and few fragments', () => {
  const programs = all.reduce((n, p) => n + p.programs.length, 0);
  const fragments = all.reduce((n, p) => n + p.fragments, 0);
  expect(programs).toBeGreaterThan(20);
  expect(fragments, 'blocks marked ```ts fragment (not run)').toBeLessThanOrEqual(Math.ceil(programs / 10));
});

describe.concurrent('every example runs; the API reference builds', () => {
  // TypeDoc's conversion and validation without writing HTML (`npm run docs:api` writes it):
  // broken {@link}s and unexported types in the public API fail here.
  test('npm run docs:api (typedoc --emit none) reports no warning', async () => {
    const out = await run(
      [join(root, 'node_modules', 'typedoc', 'bin', 'typedoc'), '--emit', 'none', '--treatWarningsAsErrors'],
      root,
      120_000,
    );
    expect(`${out.stdout}${out.stderr}`.replace(/\x1b\[[0-9;]*m/g, '')).not.toMatch(/\[(warning|error)\]/);
    expect(out.code).toBe(0);
  }, 120_000);

  for (const page of all.filter((p) => p.steps.length > 0)) {
    const count = (kind: string) => page.steps.filter((s) => s.kind === kind).length;
    test(
      `${page.page}: ${page.programs.length} programs, ${count('shell')} shell blocks, ${count('python')} Python blocks`,
      () => runPage(page),
      180_000,
    );
  }
});

// --- links -------------------------------------------------------------------------------------

/** GitHub's heading anchors of a markdown text. */
function anchors(text: string): Set<string> {
  const out = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of stripFences(text).split('\n')) {
    const h = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!h) continue;
    const base = h[1]!
      .toLowerCase()
      .replace(/<[^>]+>/g, '')
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n ? `${base}-${n}` : base);
  }
  return out;
}

function stripFences(text: string): string {
  return text.replace(/^(\s*)(`{3,}|~{3,})[^\n]*\n[\s\S]*?\n\s*\2\s*$/gm, '');
}

function stripCode(text: string): string {
  return stripFences(text).replace(/`[^`\n]*`/g, '');
}

test('relative links and images in the pages resolve', () => {
  const problems: string[] = [];
  for (const { page } of all) {
    const text = readFileSync(join(root, page), 'utf8');
    for (const m of stripCode(text).matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      const target = m[1]!;
      if (/^[a-z]+:/i.test(target)) continue;
      const [path, anchor] = target.split('#') as [string, string | undefined];
      // docs/api/ is generated by `npm run docs:api` (not committed).
      if (/(^|\/)api\//.test(path)) continue;
      const file = path === '' ? join(root, page) : resolve(dirname(join(root, page)), path);
      if (!existsSync(file)) {
        problems.push(`${page}: link to ${target}: no such file`);
        continue;
      }
      if (anchor && file.endsWith('.md') && !anchors(readFileSync(file, 'utf8')).has(anchor))
        problems.push(`${page}: link to ${target}: no heading with that anchor`);
    }
  }
  expect(problems).toEqual([]);
});

test('docs/README.md indexes every page', () => {
  const index = readFileSync(join(root, 'docs', 'README.md'), 'utf8');
  const missing = readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md') && f !== 'README.md')
    .filter((f) => !index.includes(`](${f}`));
  expect(missing).toEqual([]);
});

// --- the CLI guide ------------------------------------------------------------------------------

test('docs/cli.md documents every command and option of `tessera`', async () => {
  const guide = readFileSync(join(root, 'docs', 'cli.md'), 'utf8');
  const help = await run([cli, '--help'], root);
  const commands = [...help.stdout.matchAll(/^ {2}([a-z]+) /gm)].map((m) => m[1]!).filter((c) => c !== 'help');
  expect(commands.length).toBeGreaterThan(2);
  const missing: string[] = [];
  for (const command of commands) {
    // The command's section: from its heading to the next heading of the same level.
    const head = new RegExp(`^(#+) .*\\btessera ${command}\\b.*$`, 'm').exec(guide);
    if (!head) {
      missing.push(`a heading for \`tessera ${command}\``);
      continue;
    }
    const rest = guide.slice(head.index + head[0].length);
    const next = new RegExp(`^#{1,${head[1]!.length}} `, 'm').exec(rest);
    const codeSpans = [...(next ? rest.slice(0, next.index) : rest).matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!);
    const out = await run([cli, command, '--help'], root);
    for (const flag of new Set([...out.stdout.matchAll(/--[a-z][a-z-]*/g)].map((m) => m[0]))) {
      if (flag !== '--help' && !codeSpans.some((c) => new RegExp(`(^|[\\s,])${flag}\\b`).test(c)))
        missing.push(`tessera ${command} ${flag}`);
    }
  }
  expect(missing).toEqual([]);
});
