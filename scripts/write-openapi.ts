/**
 * `npm run openapi`: writes openapi/openapi.json from the running app's schemas. The file is
 * committed so reviewers see API changes; test/openapi.test.ts fails when it drifts.
 */
import { writeFileSync } from 'node:fs';
import { buildApp } from '../src/app.js';
import { defaultConfig } from '../src/config.js';

export const renderSpec = (spec: unknown): string => `${JSON.stringify(spec, null, 2)}\n`;

const app = await buildApp(defaultConfig({ WORKERS: 1 }), { logger: false });
const target = new URL('../openapi/openapi.json', import.meta.url);
writeFileSync(target, renderSpec(app.swagger()));
await app.close();
process.stdout.write(`wrote ${target.pathname}\n`);
