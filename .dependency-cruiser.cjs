/**
 * The import rules of the workspace (docs/architecture.md, "The packages and their layers"),
 * checked by `npm run lint` and by `npm test`:
 *   - no import cycles within a package (type-only imports excepted: they vanish at run time);
 *   - packages import each other one way only, down the layers.
 * @type {import('dependency-cruiser').IConfiguration}
 */
const pkg = {
  scheduler: '^scheduler/src/',
  io: '^packages/io/src/',
  array: '^packages/array/src/',
  frame: '^packages/frame/src/',
  estimators: '^estimators/src/',
  diagnostics: '^packages/diagnostics/src/',
  cli: '^packages/cli/src/',
  distributed: '^packages/distributed/src/',
};
/** Which packages each package may import (besides itself). */
const allowed = {
  scheduler: [],
  io: [],
  array: ['scheduler', 'io'],
  frame: ['scheduler', 'io', 'array'],
  estimators: ['scheduler', 'array'],
  diagnostics: ['scheduler', 'io'],
  cli: ['scheduler', 'io', 'array', 'frame', 'estimators', 'diagnostics', 'distributed'],
  distributed: ['scheduler', 'io'],
};

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle: modules that need each other to load. Break it (docs/architecture.md).',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    ...Object.entries(allowed)
      .map(([name, ok]) => ({
        name,
        ok,
        forbidden: Object.entries(pkg)
          .filter(([p]) => p !== name && !ok.includes(p))
          .map(([, re]) => re),
      }))
      .filter(({ forbidden }) => forbidden.length > 0)
      .map(({ name, ok, forbidden }) => ({
        name: `layers-${name}`,
        severity: 'error',
        comment: `@tessera/${name} may import ${ok.length ? ok.map((p) => `@tessera/${p}`).join(', ') : 'no other Tessera package'} (docs/architecture.md).`,
        from: { path: pkg[name] },
        to: { path: forbidden },
      })),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|types|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { conditionNames: ['@tessera/source', 'import', 'types', 'default'], exportsFields: ['exports'] },
    preserveSymlinks: false,
  },
};
