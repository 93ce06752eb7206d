// Loads the TypeScript worker when the service itself runs from sources (vitest, tsx): Node 20
// does not pass `--import tsx` on to worker threads, so the loader is registered here. Builds
// never use this file; they run dist/workers/scoring-worker.js directly.
import { register } from 'tsx/esm/api';

register();
const worker = await import('./scoring-worker.ts');

export const { score, ping, sessionCompute, sessionPrepare, sessionCurve, sessionDecision, sessionReport } = worker;
