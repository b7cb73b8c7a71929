/** The command line as people expect it: --version, one-line errors, --no-* booleans, sizes, signals. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, runChild, snapshot, tessera, waitFor } from './helpers.js';

let dir = '';
let data = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-cli-'));
  data = join(dir, 'data');
  const r = await tessera(['generate', '--out', data, '--rows', '3000', '--chunk-rows', '300', '--threads', '2']);
  expect(r.code, r.stderr).toBe(0);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('tessera: usage', () => {
  it('--version and -v print the package version', async () => {
    const { version } = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    for (const flag of ['--version', '-v']) {
      const r = await tessera([flag]);
      expect(r).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: '' });
    }
  });

  it('an unknown option or command is one line plus where to look, exit code 2', async () => {
    const r = await tessera(['demo', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("error: unknown option '--bogus'\n(see 'tessera demo --help')\n");
    const c = await tessera(['demoo']);
    expect(c.code).toBe(2);
    expect(c.stderr).toBe("error: unknown command 'demoo'\n(Did you mean demo?)\n(see 'tessera --help')\n");
    expect(c.stderr).toContain("(see 'tessera --help')");
  });

  it('bad flag values name the flag, in one line', async () => {
    const cases: [string[], string][] = [
      [['demo', '--memory-limit', '0'], "tessera: --memory-limit must be more than 0 bytes; got '0'.\n"],
      [
        ['demo', '--memory-limit', 'lots'],
        "tessera: --memory-limit must be a size such as 512MB (10^6 bytes) or 2GiB (2^30 bytes); got 'lots'.\n",
      ],
      [['demo', '--rows', '1'], 'tessera: --rows must be at least 2 (the demo holds out the last block for scoring); got 1.\n'],
      [['demo', '--rows', 'x'], "tessera: --rows must be a positive integer; got 'x'.\n"],
      [['demo', '--threads', '0'], "tessera: --threads must be a positive integer; got '0'.\n"],
      [['generate', '--out', join(dir, 'g'), '--memory-limit', '0'], "tessera: --memory-limit must be more than 0 bytes; got '0'.\n"],
    ];
    for (const [args, err] of cases) {
      const r = await tessera(args[0] === 'demo' ? [...args, '--workdir', dir] : args);
      expect(r.stderr, args.join(' ')).toBe(err);
      expect(r.code).toBe(2);
    }
  });

  it('booleans are --no-shuffle / --no-profile; the old "--shuffle false" form is refused', async () => {
    const w = join(dir, 'flags');
    const json = join(dir, 'flags.json');
    const r = await tessera(['demo', '--data', data, '--workdir', w, '--no-shuffle', '--no-profile', '--threads', '2', '--json', json]);
    expect(r.code, r.stderr).toBe(0);
    expect(await readdir(join(w, 'demo'))).toEqual(['pipeline.json', 'predictions']);
    const model = await readFile(join(w, 'demo', 'pipeline.json'), 'utf8');
    expect(model).toContain('"shuffle":false');
    expect(JSON.parse(await readFile(json, 'utf8'))).toMatchObject({ format: 'tessera-demo-result/1', classes: [0, 1] });
    const old = await tessera(['demo', '--shuffle', 'false']);
    expect(old.code).toBe(2);
  });
});

describe('tessera demo: any data the CLI makes', () => {
  it('any --rows works: a small dataset gets smaller blocks', async () => {
    for (const rows of [2, 37, 1000]) {
      const w = join(dir, `rows-${rows}`);
      const r = await tessera(['demo', '--rows', String(rows), '--workdir', w, '--threads', '2', '--no-profile']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`${rows.toLocaleString('en-US')} rows × 20 features`);
    }
  });

  it('the classes come from the data: generate --classes 3 gives a 3-class model', async () => {
    const d3 = join(dir, 'three');
    expect(
      (await tessera(['generate', '--out', d3, '--rows', '3000', '--chunk-rows', '300', '--classes', '3', '--threads', '2'])).code,
    ).toBe(0);
    const json = join(dir, 'three.json');
    const r = await tessera(['demo', '--data', d3, '--workdir', join(dir, 'w3'), '--threads', '2', '--no-profile', '--json', json]);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(await readFile(json, 'utf8')) as { classes: number[]; coef: number[]; accuracy: number };
    expect(result.classes).toEqual([0, 1, 2]);
    expect(result.coef).toHaveLength(3 * 20);
    expect(result.accuracy).toBeGreaterThan(0.4);
  });

  it('the fit is reproducible by default: two runs give the same coefficients', async () => {
    const coefs: number[][] = [];
    for (const i of [1, 2]) {
      const json = join(dir, `repro-${i}.json`);
      const r = await tessera([
        'demo',
        '--data',
        data,
        '--workdir',
        join(dir, `repro-${i}`),
        '--threads',
        String(i),
        '--no-profile',
        '--json',
        json,
      ]);
      expect(r.code, r.stderr).toBe(0);
      coefs.push((JSON.parse(await readFile(json, 'utf8')) as { coef: number[] }).coef);
    }
    expect(coefs[0]).toEqual(coefs[1]);
  });
});

describe('tessera: interrupted', () => {
  it('SIGINT during generation stops promptly (exit 130) and removes the temporary directory', async () => {
    const w = join(dir, 'sigint');
    const cache = join(w, 'data');
    let sentAt = 0;
    const r = await runChild(process.execPath, [BIN, 'demo', '--rows', '4000000', '--workdir', w, '--threads', '2', '--no-profile'], {
      timeoutMs: 30_000,
      during: (child) => {
        void waitFor(
          async () => existsSync(cache) && (await readdir(cache)).some((e) => e.includes('.tmp-')),
          20_000,
          'the generation to start',
        ).then(() => {
          sentAt = Date.now();
          child.kill('SIGINT');
        });
      },
    });
    expect(r.code).toBe(130);
    expect(Date.now() - sentAt).toBeLessThan(5000);
    expect(r.stderr).toContain('tessera: interrupted by SIGINT');
    expect(await readdir(cache)).toEqual([]);
  });

  it('SIGTERM during the fit exits 143; the previous predictions are intact', async () => {
    const w = join(dir, 'sigterm');
    const out = join(w, 'pred');
    expect((await tessera(['demo', '--data', data, '--out', out, '--workdir', w, '--threads', '2', '--no-profile'])).code).toBe(0);
    const before = await snapshot(out);
    const r = await runChild(
      process.execPath,
      [BIN, 'demo', '--data', data, '--out', out, '--workdir', w, '--threads', '2', '--epochs', '3000', '--no-profile'],
      {
        timeoutMs: 30_000,
        during: (child) => setTimeout(() => child.kill('SIGTERM'), 1500),
      },
    );
    expect(r.code).toBe(143);
    expect(await snapshot(out)).toEqual(before);
    expect((await readdir(w)).filter((e) => e.startsWith('.'))).toEqual([]);
  });

  it('Ctrl-C in a terminal, with progress bars showing, stops the run at the first press', async (ctx) => {
    if (!existsSync('/usr/bin/script')) ctx.skip('util-linux script(1) is not installed: no pseudo-terminal to test with');
    const w = join(dir, 'tty');
    const cmd = [process.execPath, BIN, 'demo', '--data', data, '--workdir', w, '--threads', '2', '--epochs', '3000']
      .map((a) => `'${a}'`)
      .join(' ');
    let pressedAt = 0;
    const r = await runChild('/usr/bin/script', ['-qfec', cmd, '/dev/null'], {
      timeoutMs: 30_000,
      during: (child, output) => {
        void waitFor(() => output().includes('tasks'), 20_000, 'a progress bar').then(() => {
          pressedAt = Date.now();
          child.stdin!.write('\x03');
        });
      },
    });
    expect(r.code).toBe(130);
    expect(Date.now() - pressedAt).toBeLessThan(5000);
    expect(r.stdout).toContain('interrupted by SIGINT');
  });
});
