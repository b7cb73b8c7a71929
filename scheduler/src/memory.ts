/** Memory budget helpers. */
import { freemem } from 'node:os';

const UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
  k: 2 ** 10,
  m: 2 ** 20,
  g: 2 ** 30,
};

/**
 * Bytes from a number or a string such as `'512MB'`, `'1.5 GiB'`, `'2e9'`.
 * `param` names the option in the error message.
 */
export function parseBytes(value: number | string, param = 'value'): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`The '${param}' option must be a non-negative number of bytes. Got ${value} instead.`);
    return value;
  }
  const m = /^\s*([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*([a-z]*)\s*$/i.exec(String(value));
  const unit = m ? UNITS[(m[2] || 'b').toLowerCase()] : undefined;
  if (!m || unit === undefined) {
    throw new RangeError(`The '${param}' option must be a size such as 512MB or 2GiB. Got '${value}' instead.`);
  }
  return Math.round(Number(m[1]) * unit);
}

/** Default memory budget: a quarter of the memory free when the run starts, at least 256 MiB. */
export function defaultMemoryLimit(): number {
  return Math.max(256 * 2 ** 20, Math.floor(freemem() / 4));
}

/** Human-readable bytes (`'1.5 GB'`). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let u = 0;
  while (Math.abs(v) >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v < 10 && u > 0 ? v.toFixed(2) : v < 100 && u > 0 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}
