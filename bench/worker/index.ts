// Entry of the benchmark's own worker build: the product's worker plus the raw comparison route.
// Copied into src/bench/ of the snapshot (bench/lib/wrangler.mjs); the product never serves it.
import { app } from '../http/app';
import worker from '../index';
import { rawDownline } from './rawDownline';

app.post('/bench/raw-downline', rawDownline);

export default worker;
