// The `prepack` of every published package: refuses `npm pack` / `npm publish` from the workspace.
// npm would pack `workspace:*` dependencies as they are (uninstallable outside the repository) and
// ignore `publishConfig.exports` (leaving the repository-only "@tessera/source" condition in);
// pnpm rewrites both. Pack with `node scripts/pack.mjs`, publish with `pnpm publish`.
const agent = process.env['npm_config_user_agent'] ?? '';
if (!agent.startsWith('pnpm/')) {
  console.error(
    `${process.env['npm_package_name'] ?? 'this package'}: pack it with pnpm (node scripts/pack.mjs from the repository root, or pnpm publish), not ${agent.split(' ')[0] || 'npm'}: ` +
      "npm would pack workspace:* dependencies and the repository's exports as they are, uninstallable elsewhere.",
  );
  process.exit(1);
}
