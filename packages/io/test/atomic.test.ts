import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  ARROW_FILE,
  NPY_DATASET,
  NPY_FILE,
  OutputError,
  beginOutput,
  checkOutput,
  discardActiveTemporariesSync,
  fileKind,
  formatNpyHeader,
  makeManifest,
  writeFileAtomic,
} from '@tessera/io';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-atomic-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const TEXT = fileKind('a test output', ['TESSERA-TEST']);

/** A pid that no process has any more: a child that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

async function dataset(path: string, extra: string[] = []): Promise<void> {
  await mkdir(path, { recursive: true });
  const m = makeManifest({ chunkSizes: [2], cols: 1, dtypeX: 'float64', dtypeY: 'int32' });
  await writeFile(join(path, 'manifest.json'), JSON.stringify(m));
  await writeFile(join(path, m.x_files[0]!), formatNpyHeader('float64', [2, 1]));
  await writeFile(join(path, m.y_files![0]!), formatNpyHeader('int32', [2]));
  for (const e of extra) await writeFile(join(path, e), 'user data');
}

async function problem(p: Promise<unknown>): Promise<OutputError> {
  const e = await p.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(e).toBeInstanceOf(OutputError);
  return e as OutputError;
}

describe('checkOutput: never an input', () => {
  it('refuses an output that is, contains or lies inside an input, by real path', async () => {
    const data = join(dir, 'inputs', 'data');
    await dataset(data);
    const link = join(dir, 'inputs', 'link-to-data');
    await symlink(data, link);
    for (const [out, how] of [
      [data, 'is'],
      [join(data, '..', 'data'), 'is'],
      [link, 'is'],
      [join(dir, 'inputs'), 'contains'],
      [join(data, 'pred'), 'lies inside'],
      [join(link, 'pred'), 'lies inside'],
    ] as const) {
      const e = await problem(checkOutput(out, { kind: NPY_DATASET, overwrite: 'force', inputs: [data] }));
      expect(e.problem).toBe('input');
      expect(e.input?.how).toBe(how);
      expect(e.message).toContain(`${resolve(out)} ${how}`);
    }
    // A sibling whose name merely starts with the input's is fine.
    await expect(checkOutput(join(dir, 'inputs', 'data-pred'), { kind: NPY_DATASET, inputs: [data] })).resolves.toBe(
      join(dir, 'inputs', 'data-pred'),
    );
    expect(await readdir(data)).toHaveLength(3);
  });
});

describe('checkOutput: replacing only what Tessera wrote', () => {
  it('refuses an existing path by default, naming it and the option', async () => {
    const out = join(dir, 'default', 'pred');
    await dataset(out);
    const e = await problem(checkOutput(out, { kind: NPY_DATASET }));
    expect(e.problem).toBe('exists');
    expect(e.message).toContain(`${out} already exists; pass { overwrite: true }`);
  });

  it('overwrite: true replaces a Tessera output of the same kind and refuses anything else', async () => {
    const base = join(dir, 'kinds');
    await dataset(join(base, 'ok'));
    await expect(checkOutput(join(base, 'ok'), { kind: NPY_DATASET, overwrite: true })).resolves.toBeTruthy();
    // A dataset directory where the user keeps a file of their own is not replaced.
    await dataset(join(base, 'mixed'), ['notes.txt']);
    let e = await problem(checkOutput(join(base, 'mixed'), { kind: NPY_DATASET, overwrite: true }));
    expect(e.problem).toBe('not-replaceable');
    expect(e.reason).toBe("it holds 'notes.txt', which its manifest does not name");
    expect(e.message).toContain("pass { overwrite: 'force' }");
    // A directory of user files.
    await mkdir(join(base, 'user'));
    await writeFile(join(base, 'user', 'thesis.tex'), 'years of work');
    e = await problem(checkOutput(join(base, 'user'), { kind: NPY_DATASET, overwrite: true }));
    expect(e.reason).toBe('it has no manifest.json');
    // A broken manifest.
    await mkdir(join(base, 'broken'));
    await writeFile(join(base, 'broken', 'manifest.json'), '{');
    e = await problem(checkOutput(join(base, 'broken'), { kind: NPY_DATASET, overwrite: true }));
    expect(e.reason).toMatch(/^its manifest.json is not valid/);
    // Files: by their magic bytes.
    await writeFile(join(base, 'a.npy'), formatNpyHeader('float64', [1]));
    await writeFile(join(base, 'b.npy'), 'not numpy');
    await writeFile(join(base, 'c.arrow'), 'ARROW1\0\0');
    await expect(checkOutput(join(base, 'a.npy'), { kind: NPY_FILE, overwrite: true })).resolves.toBeTruthy();
    expect((await problem(checkOutput(join(base, 'b.npy'), { kind: NPY_FILE, overwrite: true }))).problem).toBe('not-replaceable');
    expect((await problem(checkOutput(join(base, 'a.npy'), { kind: ARROW_FILE, overwrite: true }))).problem).toBe('not-replaceable');
    await expect(checkOutput(join(base, 'c.arrow'), { kind: ARROW_FILE, overwrite: true })).resolves.toBeTruthy();
    // A file where a directory is expected, and the reverse.
    expect((await problem(checkOutput(join(base, 'a.npy'), { kind: NPY_DATASET, overwrite: true }))).reason).toBe('it is a file');
    expect((await problem(checkOutput(join(base, 'ok'), { kind: NPY_FILE, overwrite: true }))).reason).toBe('it is a directory');
    // 'force' replaces anything.
    await expect(checkOutput(join(base, 'user'), { kind: NPY_DATASET, overwrite: 'force' })).resolves.toBeTruthy();
  });

  it('a missing parent directory is named before any work', async () => {
    const out = join(dir, 'no', 'such', 'dir', 'pred');
    const e = await problem(checkOutput(out, { kind: NPY_DATASET }));
    expect(e.problem).toBe('parent-missing');
    expect(e.message).toBe(`cannot write ${out}: its directory ${join(dir, 'no', 'such', 'dir')} does not exist.`);
  });

  it('a read-only directory is named before any work (a read-only tmpfs mount)', async (ctx) => {
    const ro = join(dir, 'ro');
    await mkdir(ro);
    const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', ro]);
    if (m.status !== 0) ctx.skip(`cannot mount a read-only tmpfs here (${String(m.stderr).trim() || 'not root'})`);
    try {
      const e = await problem(checkOutput(join(ro, 'pred'), { kind: NPY_DATASET }));
      expect(e.problem).toBe('read-only');
      expect(e.message).toBe(`cannot write ${join(ro, 'pred')}: its directory ${ro} is on a read-only file system.`);
    } finally {
      spawnSync('umount', [ro]);
    }
  });
});

describe('transactions', () => {
  it('commit replaces an old output only when it is complete; abort leaves the old one and no temporary', async () => {
    const base = join(dir, 'tx');
    await mkdir(base);
    const file = join(base, 'out.txt');
    await writeFileAtomic(file, 'TESSERA-TEST one', { kind: TEXT });
    const tx = await beginOutput(file, { kind: TEXT, overwrite: true });
    await writeFile(tx.temp, 'TESSERA-TEST two');
    expect(await readFile(file, 'utf8')).toBe('TESSERA-TEST one');
    await tx.abort();
    expect(await readFile(file, 'utf8')).toBe('TESSERA-TEST one');
    expect(await readdir(base)).toEqual(['out.txt']);
    await writeFileAtomic(file, 'TESSERA-TEST three', { kind: TEXT, overwrite: true });
    expect(await readFile(file, 'utf8')).toBe('TESSERA-TEST three');
    expect(await readdir(base)).toEqual(['out.txt']);
  });

  it('a user file that appears at the target during the work is not replaced at commit', async () => {
    const base = join(dir, 'race');
    await mkdir(base);
    const file = join(base, 'out.txt');
    const tx = await beginOutput(file, { kind: TEXT, overwrite: true });
    await writeFile(tx.temp, 'TESSERA-TEST new');
    await writeFile(file, 'the user saved this meanwhile');
    const e = await problem(tx.commit());
    expect(e.problem).toBe('not-replaceable');
    await tx.abort();
    expect(await readFile(file, 'utf8')).toBe('the user saved this meanwhile');
    expect(await readdir(base)).toEqual(['out.txt']);
  });

  it('discardActiveTemporariesSync removes what is being written (for a signal handler)', async () => {
    const base = join(dir, 'signal');
    await mkdir(base);
    const tx = await beginOutput(join(base, 'pred'), { kind: NPY_DATASET });
    await mkdir(tx.temp);
    await writeFile(join(tx.temp, 'X-00000.npy'), 'partial');
    discardActiveTemporariesSync();
    expect(await readdir(base)).toEqual([]);
  });
});

describe('leftovers of killed runs', () => {
  it('temporaries of dead processes are removed; live ones and other names are kept', async () => {
    const base = join(dir, 'dead');
    await mkdir(base);
    const dead = deadPid();
    const names = [
      `.pred.tmp-${dead}-0123abcd`,
      `.pred.tmp-${dead}-0123abce.probe`,
      `.pred.tmp-${process.pid}-0123abcd`,
      `.other.tmp-${dead}-0123abcd`,
      'pred-notes.txt',
    ];
    for (const n of names) await mkdir(join(base, n));
    await checkOutput(join(base, 'pred'), { kind: NPY_DATASET });
    expect((await readdir(base)).sort()).toEqual(
      [`.other.tmp-${dead}-0123abcd`, `.pred.tmp-${process.pid}-0123abcd`, 'pred-notes.txt'].sort(),
    );
  });

  it('an old output a killed run had moved aside is put back when the target is missing', async () => {
    const base = join(dir, 'aside');
    await mkdir(base);
    const dead = deadPid();
    // The killed run had renamed pred → its .old aside, and its new output was still a temporary.
    await dataset(join(base, `.pred.tmp-${dead}-0badc0de.old`));
    await mkdir(join(base, `.pred.tmp-${dead}-0badc0df`));
    await checkOutput(join(base, 'pred'), { kind: NPY_DATASET, overwrite: true });
    expect(await readdir(base)).toEqual(['pred']);
    expect(existsSync(join(base, 'pred', 'manifest.json'))).toBe(true);
  });
});
