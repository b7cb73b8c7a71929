// Types of scripts/pack.mjs, for the TypeScript that imports it (test/consumer/).

/** The pnpm the repository installs with: arguments for `npx`. */
export const PNPM: readonly string[];

/** A published workspace package. */
export interface PublishedPackage {
  /** Its folder, relative to the repository root. */
  dir: string;
  name: string;
  version: string;
}

/** One packed tarball. */
export interface Packed {
  name: string;
  version: string;
  /** Absolute path of the .tgz. */
  tarball: string;
  /** The files inside, relative to the package root. */
  files: string[];
}

/** The workspace packages without `private`. */
export function publishedPackages(): PublishedPackage[];

/** Builds the declarations (and dist/ with `build`), then packs every published package into `out`. */
export function packAll(options: { out: string; build?: boolean }): Promise<Packed[]>;
