// Tessera as an outside project gets it: every published @tessera package is packed
// (scripts/pack.mjs: pnpm pack, as publishing would) and the tarballs are installed with plain npm
// into a fresh directory outside the repository (third-party dependencies from the npm registry).
// There, from the installed packages only:
//   - the packed manifests and files are checked (no workspace: protocol, not private, license,
//     engines, exports → emitted .d.ts, files without tests or scripts), and each package's
//     dependencies against what its dist/ and declarations import;
//   (a) the README workflow (dataset → pipeline → fit → predict to disk → score) runs as plain ESM
//       and through CommonJS require, on this Node (20) and on Node 22 and 24 (from the registry:
//       npx -y node@22 / node@24), with the same accuracy everywhere;
//   (b) a TypeScript program over every package's public API typechecks, skipLibCheck false, under
//       module nodenext + strict, `tsc --init`'s defaults, and moduleResolution bundler — with the
//       repository's TypeScript and with the current one from the registry (TypeScript 7); the
//       packages' README examples and README.md's "own project" example typecheck and run too;
//   (c) the program bundled with esbuild (@tessera/* kept external: the workers import Tessera's
//       kernel modules by file URL) runs;
//   (d) `npx tessera --version` and `npx tessera demo --rows 1000000` run.
// The whole file takes about a minute and a half on 2 cores with a warm npm cache. Without the
// npm registry the packages cannot be installed, and the file is skipped with that reason.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtinModules } from 'node:module';
import { transform } from 'esbuild';
import { packAll, type Packed } from '../../scripts/pack.mjs';
// The bundled program counts the CLI's commands: as many as the source registers.
import { commands } from '@tessera/cli';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const project = join(here, 'project');
const repoTsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const repoEsbuild = join(root, 'node_modules', 'esbuild', 'bin', 'esbuild');
/** The TypeScript a user installs today (npm's `latest`), besides the repository's own. */
const CURRENT_TYPESCRIPT = 'typescript@^7.0.2';
/** The Node lines the packages must work on: this process's own, and the others fetched with npx. */
const NODE_LINES = ['20', '22', '24'] as const;
const THIS_NODE = process.versions.node.split('.')[0]!;
const OTHER_NODES = NODE_LINES.filter((major) => major !== THIS_NODE);
const started = performance.now();

interface Output {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The environment of a user's shell: nothing inherited from `npm test`, vitest or the repository
 * (npm's per-script settings, NODE_OPTIONS, NODE_PATH) that could make a child see the workspace.
 */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (
      /^(npm_(package|lifecycle|config_(local_prefix|prefix|global_prefix))|INIT_CWD$|NODE_OPTIONS$|NODE_PATH$|NODE_ENV$|VITEST|TEST$)/i.test(
        k,
      )
    )
      continue;
    env[k] = v;
  }
  return {
    ...env,
    FORCE_COLOR: '0',
    NO_COLOR: '1',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
  };
}

function run(command: string, args: readonly string[], cwd: string, timeoutMs = 120_000): Promise<Output> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, { cwd, env: userEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
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

const tail = (s: string, n = 4000) => (s.length > n ? `…${s.slice(-n)}` : s);
const show = (what: string, out: Output) =>
  `${what} exited with ${out.code}\n--- stderr\n${tail(out.stderr)}\n--- stdout\n${tail(out.stdout)}`;

/** Runs and expects exit code 0, with the output in the failure message. */
async function ok(what: string, command: string, args: readonly string[], cwd: string, timeoutMs?: number): Promise<Output> {
  const out = await run(command, args, cwd, timeoutMs);
  expect(out.code, show(what, out)).toBe(0);
  return out;
}

// Without the registry nothing third-party can be installed: the one reason to skip.
const ping = await run('npm', ['ping'], tmpdir(), 30_000).catch((error: Error) => ({ code: 1, stdout: '', stderr: error.message }));
const offline =
  ping.code !== 0 ? `the npm registry is unreachable (npm ping: ${(ping.stderr || ping.stdout).trim().split('\n').pop()})` : '';
if (offline) console.warn(`test/consumer: skipped: ${offline}`);

let work = '';
let app = '';
let packed: Packed[] = [];
/** Node binaries by major version (this process's own line is this binary); a missing one has the reason instead. */
const nodes = new Map<string, { bin: string } | { skip: string }>();

beforeAll(async () => {
  if (offline) return;
  work = await mkdtemp(join(realpathSync(tmpdir()), 'tessera-consumer-'));
  // Outside the repository, with no node_modules on the way up: only what npm installs resolves.
  expect(relative(root, work).startsWith('..'), `${work} must be outside ${root}`).toBe(true);
  for (let d = dirname(work); ; d = dirname(d)) {
    expect(existsSync(join(d, 'node_modules')), `${join(d, 'node_modules')} would leak into the consumer's resolution`).toBe(false);
    if (dirname(d) === d) break;
  }
  packed = await packAll({ out: join(work, 'tarballs') });

  app = join(work, 'app');
  await mkdir(app);
  await writeFile(
    join(app, 'package.json'),
    `${JSON.stringify({ name: 'tessera-consumer', version: '1.0.0', private: true, type: 'module' }, null, 2)}\n`,
  );
  for (const f of readdirSync(project)) await copyFile(join(project, f), join(app, f));
  // The scheduler's own test kernel for collections on request, run here by gc_probe.mjs on each Node line.
  await copyFile(join(root, 'scheduler', 'test', 'fixtures', 'gc-probe.mjs'), join(app, 'gc_kernel.mjs'));
  await ok('npm install', 'npm', ['install', ...packed.map((p) => p.tarball), CURRENT_TYPESCRIPT], app, 240_000);

  nodes.set(THIS_NODE, { bin: process.execPath });
  for (const major of OTHER_NODES) {
    const out = await run('npx', ['-y', `node@${major}`, '-p', 'process.execPath'], work, 180_000).catch((error: Error) => ({
      code: 1,
      stdout: '',
      stderr: error.message,
    }));
    const bin = out.stdout.trim().split('\n').pop() ?? '';
    if (out.code === 0 && existsSync(bin)) nodes.set(major, { bin });
    else nodes.set(major, { skip: `npx -y node@${major} failed: ${tail(out.stderr, 300).trim()}` });
  }
}, 600_000);

afterAll(async () => {
  if (work && !process.env['TESSERA_KEEP_CONSUMER']) await rm(work, { recursive: true, force: true });
  else if (work) console.log(`test/consumer: kept ${work}`);
  console.log(`test/consumer: ${((performance.now() - started) / 1000).toFixed(1)} s`);
});

const installed = (name: string) => join(app, 'node_modules', ...name.split('/'));
const manifest = (name: string) => JSON.parse(readFileSync(join(installed(name), 'package.json'), 'utf8')) as Record<string, any>;

/** Every file of a directory, relative to it. */
function filesOf(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => statSync(join(dir, f)).isFile())
    .map((f) => f.split(sep).join('/'));
}

/** The package a bare specifier names ('@scope/name/sub' → '@scope/name'); null for relative and built-in ones. */
function packageOf(specifier: string): string | null {
  if (
    specifier.startsWith('.') ||
    specifier.startsWith('/') ||
    specifier.startsWith('node:') ||
    builtinModules.includes(specifier.split('/')[0]!)
  )
    return null;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/**
 * The specifiers esbuild's / tsc's output imports: static imports and re-exports, `import "x"`,
 * `import("x")` (also as a type, `import("x").T`). Comments are dropped first: TSDoc examples
 * import other packages.
 */
function importsOf(source: string): { specifier: string; dynamic: boolean }[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const out: { specifier: string; dynamic: boolean }[] = [];
  const pattern =
    /^[ \t]*(?:import|export)\s+(?:type\s+)?(?:[\w*${}\s,]+?\s+from\s*)?["']([^"'\n]+)["']|\bimport\(\s*["']([^"'\n]+)["']\s*\)/gm;
  for (const m of code.matchAll(pattern)) {
    out.push({ specifier: (m[1] ?? m[2])!, dynamic: m[2] !== undefined });
  }
  // A module loaded through require (createRequire(import.meta.url)('piscina'), loaded when first
  // needed) is a dependency like a static import.
  for (const m of code.matchAll(/(?:\brequire|createRequire\([^()]*(?:\([^()]*\))?[^()]*\))\(\s*["']([^"'\n]+)["']\s*\)/g)) {
    out.push({ specifier: m[1]!, dynamic: false });
  }
  return out;
}

describe.skipIf(!!offline)('the published packages, installed outside the repository', () => {
  test('the packed manifests: versions for workspace:, public, licensed, engines, exports → emitted declarations, no tests or scripts', () => {
    const names = packed.map((p) => p.name).sort();
    expect(names).toEqual([
      '@tessera/array',
      '@tessera/cli',
      '@tessera/diagnostics',
      '@tessera/distributed',
      '@tessera/estimators',
      '@tessera/frame',
      '@tessera/io',
      '@tessera/scheduler',
    ]);
    const versions = new Map(packed.map((p) => [p.name, p.version]));
    for (const p of packed) {
      const text = readFileSync(join(installed(p.name), 'package.json'), 'utf8');
      const m = manifest(p.name);
      expect(text, `${p.name}/package.json`).not.toContain('workspace:');
      expect(m['private'], `${p.name}: private`).toBeUndefined();
      expect(m['license'], `${p.name}: license`).toBe('Apache-2.0');
      expect(m['description']?.length ?? 0, `${p.name}: description`).toBeGreaterThan(30);
      expect(m['engines']?.node, `${p.name}: engines.node`).toMatch(/^>=20\./);
      expect(m['repository']?.url, `${p.name}: repository`).toMatch(/^git\+https:\/\//);
      expect(m['type']).toBe('module');
      for (const [dep, range] of Object.entries({ ...m['dependencies'] } as Record<string, string>)) {
        if (dep.startsWith('@tessera/')) expect(range, `${p.name} → ${dep}`).toBe(versions.get(dep));
      }
      // exports: types first, pointing at an emitted declaration that is in the tarball.
      const dot = m['exports']?.['.'];
      expect(Object.keys(dot), `${p.name}: exports['.'] conditions`).toEqual(['types', 'default']);
      expect(dot.types, `${p.name}: exports types`).toMatch(/^\.\/types\/.*\.d\.ts$/);
      expect(m['types']).toBe(dot.types);
      const files = filesOf(installed(p.name));
      expect(files, `${p.name}: tarball files`).toEqual(
        expect.arrayContaining(['LICENSE', 'README.md', 'package.json', dot.types.slice(2), dot.default.slice(2)]),
      );
      expect(readFileSync(join(installed(p.name), 'LICENSE'), 'utf8')).toContain('Apache License');
      // Declaration maps stay home: they point at src/, which is not published (dist's maps embed their sources).
      const stray = files.filter((f) => !/^(dist\/.*\.js(\.map)?|types\/.*\.d\.ts|LICENSE|README\.md|package\.json)$/.test(f));
      expect(stray, `${p.name}: files beyond dist/, types/, README, LICENSE`).toEqual([]);
      expect(
        files.filter((f) => /(^|\/)(test|tests|fixtures|scripts|src)\//.test(f) || /\.test\.|tsbuildinfo/.test(f)),
        p.name,
      ).toEqual([]);
      if (m['bin'])
        for (const bin of Object.values(m['bin'] as Record<string, string>))
          expect(files, `${p.name}: bin`).toContain(bin.replace(/^\.\//, ''));
    }
  });

  test('npm pack is refused in the workspace (it would keep workspace:* and the repository-only exports)', async () => {
    for (const dir of ['packages/array', 'estimators']) {
      const out = await run('npm', ['pack', '--dry-run'], join(root, dir), 60_000);
      expect(out.code, `npm pack in ${dir}`).not.toBe(0);
      expect(out.stderr + out.stdout).toMatch(/pack it with pnpm \(node scripts\/pack\.mjs/);
    }
  }, 120_000);

  test('dependencies are exactly what the runtime code imports; packages in the declarations are dependencies too', () => {
    for (const p of packed) {
      const m = manifest(p.name);
      const deps = new Set(Object.keys(m['dependencies'] ?? {}));
      const optionalPeers = new Set(
        Object.entries((m['peerDependenciesMeta'] ?? {}) as Record<string, { optional?: boolean }>)
          .filter(([, v]) => v.optional)
          .map(([k]) => k),
      );
      const peers = new Set(Object.keys(m['peerDependencies'] ?? {}));
      expect(
        [...peers].filter((x) => !optionalPeers.has(x)),
        `${p.name}: peers that are not optional`,
      ).toEqual([]);
      const runtime = new Map<string, boolean>(); // package → only ever imported dynamically
      const typeOnly = new Set<string>();
      for (const f of filesOf(installed(p.name))) {
        const isJs = f.startsWith('dist/') && f.endsWith('.js');
        const isDts = f.endsWith('.d.ts');
        if (!isJs && !isDts) continue;
        for (const { specifier, dynamic } of importsOf(readFileSync(join(installed(p.name), f), 'utf8'))) {
          const pkg = packageOf(specifier);
          if (!pkg || pkg === p.name) continue;
          if (isJs) runtime.set(pkg, (runtime.get(pkg) ?? true) && dynamic);
          else typeOnly.add(pkg);
        }
      }
      // A static import is a dependency; a dynamic import of something optional may be an optional peer.
      const required = [...runtime].filter(([pkg, dynamicOnly]) => !(dynamicOnly && optionalPeers.has(pkg))).map(([pkg]) => pkg);
      expect([...deps].sort(), `${p.name}: dependencies vs. the packages dist/ imports`).toEqual(required.sort());
      for (const pkg of optionalPeers)
        expect(runtime.get(pkg), `${p.name}: optional peer ${pkg} must be loaded by a dynamic import (and only so)`).toBe(true);
      for (const pkg of typeOnly)
        expect(deps.has(pkg), `${p.name}: its declarations import ${pkg}, which consumers must get: a dependency`).toBe(true);
      // No deep imports into another package's internals unless that package is pinned exactly.
      for (const f of filesOf(installed(p.name)).filter((x) => x.endsWith('.js') || x.endsWith('.d.ts'))) {
        for (const { specifier } of importsOf(readFileSync(join(installed(p.name), f), 'utf8'))) {
          const pkg = packageOf(specifier);
          if (!pkg || pkg === specifier || pkg === p.name) continue;
          expect(
            m['dependencies']?.[pkg],
            `${p.name}/${f} imports ${specifier} (an internal path of ${pkg}): pin ${pkg} to an exact version`,
          ).toMatch(/^\d+\.\d+\.\d+$/);
        }
      }
    }
  });

  // --- (a) the README workflow, ESM and CommonJS, Node 20 / 22 / 24 ------------------------------

  const accuracies: { run: string; accuracy: number }[] = [];
  for (const major of NODE_LINES) {
    for (const file of ['workflow.mjs', 'workflow.cjs']) {
      test(`(a) the README workflow as ${file.endsWith('.cjs') ? 'CommonJS (require)' : 'ESM'} on Node ${major}`, async (ctx) => {
        const node = nodes.get(major)!;
        if ('skip' in node) {
          console.warn(`test/consumer: Node ${major} not run: ${node.skip}`);
          ctx.skip();
          return;
        }
        const dir = join(work, `run-${major}-${file.replace('.', '-')}`);
        await mkdir(dir);
        const out = await ok(`node ${file} on Node ${major}`, node.bin, [file, dir], app);
        const line = JSON.parse(out.stdout.trim().split('\n').pop()!) as {
          module: string;
          node: string;
          rows: number;
          predDtype: string;
          accuracy: number;
        };
        expect(line.node.startsWith(`v${major}.`), `ran on ${line.node}`).toBe(true);
        expect(line.module).toBe(file.endsWith('.cjs') ? 'cjs' : 'esm');
        expect(line.rows).toBe(100_000);
        expect(existsSync(join(dir, 'pred', 'manifest.json'))).toBe(true);
        expect(line.accuracy).toBeGreaterThan(0.75);
        accuracies.push({ run: `${file} on Node ${major}`, accuracy: line.accuracy });
        // Seeded: every module system and Node version fits the same model.
        expect(
          accuracies.filter((a) => a.accuracy !== accuracies[0]!.accuracy),
          `accuracies differ from ${accuracies[0]!.run}'s`,
        ).toEqual([]);
      }, 180_000);
    }
  }

  for (const major of NODE_LINES) {
    test(`(a) the thread pool's workers collect garbage on request on Node ${major}`, async (ctx) => {
      const node = nodes.get(major)!;
      if ('skip' in node) {
        console.warn(`test/consumer: Node ${major} not run: ${node.skip}`);
        ctx.skip();
        return;
      }
      const out = await ok(`node gc_probe.mjs on Node ${major}`, node.bin, ['gc_probe.mjs'], app);
      const line = JSON.parse(out.stdout.trim().split('\n').pop()!) as { node: string; results: { collected: boolean }[] };
      expect(line.node.startsWith(`v${major}.`), `ran on ${line.node}`).toBe(true);
      expect(line.results).toEqual([
        { collected: true, flagLeftOn: false },
        { collected: true, flagLeftOn: false },
      ]);
    }, 60_000);
  }

  // --- (b) typechecking a user's program -----------------------------------------------------------

  /**
   * The examples of the packages' READMEs (as packed) and of the repository README's section on
   * using Tessera in your own project, as programs beside program.ts: they typecheck and run too.
   */
  async function readmeExamples(): Promise<string[]> {
    const own = /^## Use Tessera in your own project\n([\s\S]*?)^## /m.exec(readFileSync(join(root, 'README.md'), 'utf8'))?.[1] ?? '';
    const texts: [string, string][] = [['root', own]];
    for (const p of packed) texts.push([p.name.split('/')[1]!, await readFile(join(installed(p.name), 'README.md'), 'utf8')]);
    const names: string[] = [];
    for (const [label, text] of texts) {
      let i = 0;
      for (const m of text.matchAll(/^```ts\n([\s\S]*?)^```$/gm)) {
        const name = `readme-${label}-${++i}.ts`;
        await writeFile(join(app, name), m[1]!);
        names.push(name);
      }
    }
    expect(
      names.filter((n) => n.startsWith('readme-root-')),
      'README.md: a TypeScript example in "Use Tessera in your own project"',
    ).not.toEqual([]);
    return names;
  }

  const compilers = [
    { label: 'the repository TypeScript', tsc: () => [process.execPath, repoTsc] as const },
    {
      label: `the current TypeScript (${CURRENT_TYPESCRIPT})`,
      tsc: () => [process.execPath, join(app, 'node_modules', 'typescript', 'bin', 'tsc')] as const,
    },
  ];
  for (const compiler of compilers) {
    test(`(b) tsc with ${compiler.label}: module nodenext strict, tsc --init's defaults, moduleResolution bundler; skipLibCheck false`, async () => {
      const [node, tsc] = compiler.tsc();
      const version = (await ok('tsc --version', node, [tsc, '--version'], app)).stdout.trim();
      const tag = version.replace(/\W+/g, '-');
      const examples = await readmeExamples();
      const files = ['program.ts', ...examples];
      // tsc --init as a user runs it, in a directory of its own; the project config extends it.
      const initDir = join(app, `init-${tag}`);
      await mkdir(initDir, { recursive: true });
      await ok('tsc --init', node, [tsc, '--init'], initDir);
      const configs: Record<string, object> = {
        nodenext: {
          compilerOptions: {
            module: 'nodenext',
            moduleResolution: 'nodenext',
            target: 'es2022',
            strict: true,
            skipLibCheck: false,
            noEmit: true,
          },
          files,
        },
        init: { extends: `./init-${tag}/tsconfig.json`, compilerOptions: { skipLibCheck: false, noEmit: true }, files },
        bundler: {
          compilerOptions: {
            module: 'esnext',
            moduleResolution: 'bundler',
            target: 'es2022',
            strict: true,
            skipLibCheck: false,
            noEmit: true,
            types: [],
          },
          files,
        },
      };
      const failures: string[] = [];
      for (const [name, config] of Object.entries(configs)) {
        const file = join(app, `tsconfig.${name}.${tag}.json`);
        await writeFile(file, JSON.stringify(config, null, 2));
        const out = await run(node, [tsc, '-p', file, '--pretty', 'false'], app);
        if (out.code !== 0) failures.push(`${version}, ${name} (${JSON.stringify(config)}):\n${out.stdout}${out.stderr}`);
      }
      expect(failures.join('\n\n'), 'type errors').toBe('');
    }, 180_000);
  }

  test('the README examples run: each package README and the "own project" section of README.md', async () => {
    for (const name of await readmeExamples()) {
      const dir = join(work, name.replace(/\.ts$/, ''));
      await mkdir(dir, { recursive: true });
      const js = await transform(await readFile(join(app, name), 'utf8'), { loader: 'ts', format: 'esm', target: 'node20' });
      // Beside the app's node_modules (so '@tessera/…' resolves), run in a directory of its own.
      const file = join(app, name.replace(/\.ts$/, '.mjs'));
      await writeFile(file, js.code);
      await ok(`${name} (from the README of ${name.split('-')[1]})`, process.execPath, [file], dir);
    }
  }, 180_000);

  // --- (c) bundled with esbuild ---------------------------------------------------------------------

  test('(c) the program bundled with esbuild (@tessera/* external) runs', async () => {
    await ok(
      'esbuild',
      repoEsbuild,
      [
        'program.ts',
        '--bundle',
        '--platform=node',
        '--format=esm',
        '--target=node20',
        '--external:@tessera/*',
        '--outfile=program.bundle.mjs',
        '--log-level=warning',
      ],
      app,
    );
    const dir = join(work, 'bundle-run');
    await mkdir(dir);
    const out = await ok('node program.bundle.mjs', process.execPath, [join(app, 'program.bundle.mjs')], dir);
    const line = JSON.parse(out.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
    expect(line).toMatchObject({ a: 3, b: 6, shape: [2, 2], rows: 40_000, same: 1, commands: commands.length });
    expect(line['heldOut'] as number).toBeGreaterThan(0.75);
    expect(line['tasks'] as number).toBeGreaterThan(4);
    for (const f of ['fit.trace.json', 'fit.html', 'ts-pred/manifest.json']) expect(existsSync(join(dir, f)), f).toBe(true);
  }, 180_000);

  // --- (d) the command --------------------------------------------------------------------------------

  test('(d) npx tessera --version prints the package version', async () => {
    const out = await ok('npx tessera --version', 'npx', ['tessera', '--version'], app);
    expect(out.stdout.trim()).toBe(manifest('@tessera/cli')['version']);
  }, 60_000);

  test('(d) npx tessera demo --rows 1000000', async () => {
    const out = await ok('npx tessera demo --rows 1000000', 'npx', ['tessera', 'demo', '--rows', '1000000'], app, 240_000);
    const text = out.stdout + out.stderr;
    expect(text).toMatch(/1,000,000 rows/);
    expect(text).toMatch(/held-out accuracy\s+0\.\d+/);
    expect(existsSync(join(app, '.tessera', 'demo', 'fit.html'))).toBe(true);
  }, 240_000);
});
