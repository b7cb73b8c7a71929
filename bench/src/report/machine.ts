/**
 * The machine a report ran on, read from the system at run time (/proc/cpuinfo, os, git), and a
 * sampler of the load average during the run — figures measured on a loaded machine say so.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg, release, totalmem, cpus, arch } from 'node:os';
import { join } from 'node:path';
import { benchRoot, median } from '../harness.js';

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryBytes: number;
  os: string;
  node: string;
  v8: string;
  /** Version of the workspace (root package.json) and the git commit it ran from. */
  tessera: { version: string; commit?: string; uncommittedChanges?: boolean };
  /** 1-, 5- and 15-minute load averages just before the first benchmark started. */
  loadBefore: [number, number, number];
  /** 1-minute load average sampled during the run (it includes the benchmark's own processes). */
  loadDuring?: { samples: number; median: number; max: number };
}

function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) return m[1]!.trim();
  } catch {
    // not Linux: fall back to what Node reports
  }
  return cpus()[0]?.model.trim() || 'unknown';
}

function osName(): string {
  let pretty = '';
  try {
    pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? '';
  } catch {
    // no os-release
  }
  const kernel = `${process.platform === 'linux' ? 'Linux' : process.platform} ${release()} ${arch()}`;
  return pretty ? `${pretty}, ${kernel}` : kernel;
}

function git(args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { cwd: join(benchRoot, '..'), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

export function machineInfo(): MachineInfo {
  const [l1, l5, l15] = loadavg() as [number, number, number];
  let version = 'unknown';
  try {
    version =
      (JSON.parse(readFileSync(join(benchRoot, '..', 'package.json'), 'utf8')) as { version?: string }).version ??
      (JSON.parse(readFileSync(join(benchRoot, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    // keep 'unknown'
  }
  const commit = git(['rev-parse', '--short', 'HEAD']);
  const status = git(['status', '--porcelain', '--untracked-files=no']);
  return {
    cpu: cpuModel(),
    cores: availableParallelism(),
    memoryBytes: totalmem(),
    os: osName(),
    node: process.versions.node,
    v8: process.versions.v8,
    tessera: { version, ...(commit ? { commit } : {}), ...(status !== undefined ? { uncommittedChanges: status.length > 0 } : {}) },
    loadBefore: [l1, l5, l15],
  };
}

/** Samples the 1-minute load average every `everyMs` until stopped. */
export function sampleLoad(everyMs = 5000): () => MachineInfo['loadDuring'] {
  const samples: number[] = [loadavg()[0]!];
  const timer = setInterval(() => samples.push(loadavg()[0]!), everyMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    samples.push(loadavg()[0]!);
    return { samples: samples.length, median: median(samples), max: Math.max(...samples) };
  };
}
