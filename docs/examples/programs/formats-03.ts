// Generated from docs/formats.md (program formats-03) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import { fromNpyDir } from '@tessera/array';

const dir = 'data/';
const { X, y } = await fromNpyDir(dir);
if (!X) throw new Error(`dataset directory ${dir} has no X chunks (it is a y-only dataset, e.g. predictions)`);
console.log(X.shape, y?.shape); // X is an NDArray from here on; y may be undefined (no y files)
