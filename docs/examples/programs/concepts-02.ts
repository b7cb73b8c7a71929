// Generated from docs/concepts.md (program concepts-02) by `node docs/examples/sync.mjs`. Edit the page, not this file.
import { fromNpyDir } from '@tessera/array';
import { ThreadScheduler } from '@tessera/scheduler';

const { X } = await fromNpyDir('data/');
if (!X) throw new Error('data/ has no X chunks');

const onThreads = await X.mean(0).compute();                          // the shared pool, every core
const inline = await X.mean(0).compute({ scheduler: 'sync' });         // this thread
const two = new ThreadScheduler({ threads: 2 });
const onTwo = await X.mean(0).compute({ scheduler: two });
await two.close();
console.log(onThreads.data[0] === inline.data[0] && inline.data[0] === onTwo.data[0]); // true
