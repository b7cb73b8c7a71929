/** A local S3-compatible server (s3rver, from npm) for the S3 store's tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface S3rverLike {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}

/** s3rver's credentials (it accepts these only). */
export const S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export class TestS3 {
  private constructor(
    readonly server: S3rverLike,
    readonly dir: string,
    readonly endpoint: string,
  ) {}

  /** Starts s3rver on a free loopback port with the bucket `blocks`. */
  static async start(): Promise<TestS3> {
    const S3rver = createRequire(import.meta.url)('s3rver') as new (o: object) => S3rverLike;
    const dir = mkdtempSync(join(tmpdir(), 'tessera-s3-'));
    const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir, configureBuckets: [{ name: 'blocks' }] });
    const { port } = await server.run();
    return new TestS3(server, dir, `http://127.0.0.1:${port}`);
  }

  async close(): Promise<void> {
    await this.server.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
