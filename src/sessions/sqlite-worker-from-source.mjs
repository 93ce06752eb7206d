// Loads the SQLite store's thread from TypeScript when the service runs from sources (vitest,
// tsx): worker threads do not inherit `--import tsx`, so the loader is registered here. Builds
// run dist/sessions/sqlite-worker.js directly (see ./sqlite-thread-store.ts).
import { register } from 'tsx/esm/api';

register();
await import('./sqlite-worker.ts');
