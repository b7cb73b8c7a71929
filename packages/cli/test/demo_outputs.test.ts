/**
 * `tessera demo` never loses data: outputs are checked before the fit, written beside and renamed
 * into place, never over the input, never over a user's files without --overwrite, and a failed
 * run leaves the previous outputs as they were with no temporaries behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, open, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readNpyHeader } from '@tessera/io';
import { snapshot, tessera } from './helpers.js';

let dir = '';
let data = '';
const quick = ['--threads', '2', '--no-profile'];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-demo-outputs-'));
  data = join(dir, 'data');
  const r = await tessera(['generate', '--out', data, '--rows', '4000', '--chunk-rows', '500', '--threads', '2']);
  expect(r.code, r.stderr).toBe(0);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A fresh work directory for one test. */
async function workdir(name: string): Promise<string> {
  const w = join(dir, name);
  await mkdir(w);
  return w;
}

describe('tessera demo: outputs', () => {
  it('--out equal to --data is refused before any work, and the data is untouched', async () => {
    const before = await snapshot(data);
    const w = await workdir('same');
    for (const out of [data, join(data, '..', 'data'), `${data}/`]) {
      const r = await tessera(['demo', '--data', data, '--out', out, '--workdir', w, ...quick]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`tessera: --out ${data} is an input of this run; refusing to write there. Choose another --out.\n`);
    }
    // Through a symlink to the data: the same directory, compared by real path.
    const link = join(dir, 'data-link');
    await symlink(data, link);
    const r = await tessera(['demo', '--data', data, '--out', link, '--workdir', w, ...quick]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is an input of this run');
    expect(await snapshot(data)).toEqual(before);
  });

  it('--out inside --data, or containing it, is refused', async () => {
    const w = await workdir('nested');
    const inside = await tessera(['demo', '--data', data, '--out', join(data, 'pred'), '--workdir', w, ...quick]);
    expect(inside.code).toBe(2);
    expect(inside.stderr).toBe(
      `tessera: --out ${join(data, 'pred')} lies inside ${data}, an input of this run; refusing to write there. Choose another --out.\n`,
    );
    const around = await tessera(['demo', '--data', data, '--out', dir, '--workdir', w, ...quick]);
    expect(around.code).toBe(2);
    expect(around.stderr).toContain(`--out ${dir} contains ${data}, an input of this run`);
    expect(existsSync(join(data, 'pred'))).toBe(false);
  });

  it('a directory of user files is refused, naming the path and --overwrite; --overwrite replaces it', async () => {
    const w = await workdir('user');
    const out = join(dir, 'user-files');
    await mkdir(out);
    await writeFile(join(out, 'thesis.tex'), 'years of work');
    const r = await tessera(['demo', '--data', data, '--out', out, '--workdir', w, ...quick]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `tessera: --out ${out} already exists and is not an npy-chunks-v1 dataset directory written by Tessera (it has no manifest.json); refusing to replace it. Choose another --out, or pass --overwrite to replace it anyway.\n`,
    );
    expect(r.stdout).toBe('');
    expect(await readFile(join(out, 'thesis.tex'), 'utf8')).toBe('years of work');
    // Refused before the fit: nothing was written to the work directory.
    expect(await readdir(join(w, 'demo'))).toEqual([]);
    const forced = await tessera(['demo', '--data', data, '--out', out, '--workdir', w, '--overwrite', ...quick]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(existsSync(join(out, 'thesis.tex'))).toBe(false);
    expect(existsSync(join(out, 'manifest.json'))).toBe(true);
  });

  it("the demo's own previous predictions are replaced; a dataset holding a user's file is not", async () => {
    const w = await workdir('rerun');
    const out = join(w, 'pred');
    expect((await tessera(['demo', '--data', data, '--out', out, '--workdir', w, ...quick])).code).toBe(0);
    const first = await snapshot(out);
    const again = await tessera(['demo', '--data', data, '--out', out, '--workdir', w, ...quick]);
    expect(again.code, again.stderr).toBe(0);
    expect(await snapshot(out)).toEqual(first);
    await writeFile(join(out, 'my-notes.txt'), 'mine');
    const r = await tessera(['demo', '--data', data, '--out', out, '--workdir', w, ...quick]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("(it holds 'my-notes.txt', which its manifest does not name); refusing to replace it");
    expect(await readFile(join(out, 'my-notes.txt'), 'utf8')).toBe('mine');
  });

  it('a failed run (NaN in a held-out block) leaves the previous predictions intact and no temporaries', async () => {
    const w = await workdir('failed');
    const bad = join(dir, 'data-nan');
    await cp(data, bad, { recursive: true });
    const out = join(w, 'pred');
    expect((await tessera(['demo', '--data', bad, '--out', out, '--workdir', w, ...quick])).code).toBe(0);
    const before = await snapshot(out);
    // A NaN in the last block (held out: not in the fit, only in predict).
    const last = join(bad, 'X-00007.npy');
    const h = await readNpyHeader(last);
    const fh = await open(last, 'r+');
    await fh.write(new Uint8Array(new Float64Array([Number.NaN]).buffer), 0, 8, h.dataOffset + 8 * 45);
    await fh.close();
    const r = await tessera(['demo', '--data', bad, '--out', out, '--workdir', w, ...quick]);
    expect(r.code).toBe(1);
    // The error names the file and its row, not only the task's block.
    expect(r.stderr).toMatch(
      /^tessera: Task 'SGDClassifier-predict-[0-9a-f]+\[7\]' .*NaN at row 2, column 5 \(row 2 of .*X-00007\.npy\)\.$/m,
    );
    expect(await snapshot(out)).toEqual(before);
    expect((await readdir(w)).filter((e) => e.startsWith('.'))).toEqual([]);
  });

  it('leftover temporaries of a killed run are removed, never read', async () => {
    const w = await workdir('leftovers');
    const out = join(w, 'pred');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    const leftover = join(w, `.pred.tmp-${dead}-deadbeef`);
    await mkdir(leftover);
    await writeFile(join(leftover, 'y-00000.npy'), 'half written');
    const r = await tessera(['demo', '--data', data, '--out', out, '--workdir', w, ...quick]);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(leftover)).toBe(false);
  });

  it('an unwritable --out directory fails before the fit, saying read-only', async (ctx) => {
    const ro = join(dir, 'ro');
    await mkdir(ro);
    const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', ro]);
    if (m.status !== 0) ctx.skip(`cannot mount a read-only tmpfs here (${String(m.stderr).trim() || 'not root'})`);
    try {
      const w = await workdir('ro-out');
      const r = await tessera(['demo', '--data', data, '--out', join(ro, 'pred'), '--workdir', w, ...quick]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`tessera: --out: cannot write ${join(ro, 'pred')}: its directory ${ro} is on a read-only file system.\n`);
      const rw = await tessera(['demo', '--data', data, '--workdir', ro, ...quick]);
      expect(rw.code).toBe(2);
      expect(rw.stderr).toBe(`tessera: --workdir ${ro} is read-only (a read-only file system).\n`);
    } finally {
      spawnSync('umount', [ro]);
    }
  });

  it('a missing --workdir parent says "does not exist", naming the option', async () => {
    const missing = join(dir, 'nope', 'work');
    const r = await tessera(['demo', '--data', data, '--workdir', missing, ...quick]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `tessera: --workdir ${missing} does not exist, and neither does its parent ${join(dir, 'nope')}; create it first.\n`,
    );
    expect(existsSync(join(dir, 'nope'))).toBe(false);
  });

  it('--workdir decides the default --out', async () => {
    const w = await workdir('default-out');
    const r = await tessera(['demo', '--data', data, '--workdir', w, ...quick]);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(w, 'demo', 'predictions', 'manifest.json'))).toBe(true);
    expect(r.stdout).toContain(join(w, 'demo', 'predictions'));
  });
});

describe('tessera report: the output is never the trace', () => {
  it('refuses an output that resolves to the trace (another spelling, a symlink); the trace is intact', async () => {
    const w = await workdir('report');
    const r0 = await tessera(['demo', '--data', data, '--workdir', w, '--threads', '2']);
    expect(r0.code, r0.stderr).toBe(0);
    const trace = join(w, 'demo', 'fit.trace.json');
    const before = await readFile(trace);
    await symlink(trace, join(w, 'alias.json'));
    for (const out of [trace, join(w, 'demo', '..', 'demo', 'fit.trace.json'), join(w, 'alias.json')]) {
      const r = await tessera(['report', trace, '-o', out]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('is an input of this run; refusing to write there. Choose another --output.');
    }
    const viaCwd = await tessera(['report', 'fit.trace.json', '-o', './fit.trace.json'], { cwd: join(w, 'demo') });
    expect(viaCwd.code).toBe(2);
    expect(await readFile(trace)).toEqual(before);
    // A user's file of the report's name is not replaced without --overwrite.
    const mine = join(w, 'mine.html');
    await writeFile(mine, '<p>my page</p>');
    const r = await tessera(['report', trace, '-o', mine]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is not a Tessera HTML report written by Tessera');
    expect(await readFile(mine, 'utf8')).toBe('<p>my page</p>');
    // The demo's own report is replaced.
    expect((await tessera(['report', trace, '-o', join(w, 'demo', 'fit.html')])).code).toBe(0);
  });
});
