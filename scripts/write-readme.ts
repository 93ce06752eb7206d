/**
 * `npm run readme`: rewrites the metric table of README.md from the registry
 * (src/metrics/catalogue-table.ts). test/readme.test.ts fails when the two differ.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { withMetricsTable } from '../src/metrics/catalogue-table.js';

const target = new URL('../README.md', import.meta.url);
writeFileSync(target, withMetricsTable(readFileSync(target, 'utf8')));
process.stdout.write(`wrote the metric table of ${target.pathname}\n`);
