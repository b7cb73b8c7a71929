/**
 * Vitest global setup: the block-statistics cache (packages/array/src/block_stats.ts) of this test
 * run lives in a temporary directory of its own, removed at the end, so tests neither read entries
 * of earlier runs nor leave files in the user's ~/.cache.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-test-cache-'));
  process.env['TESSERA_CACHE_DIR'] = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
