import type { Task } from '../batch/task.js';
import { metricDefinitions } from './registry.js';

const TASKS: readonly Task[] = ['binary', 'multiclass', 'multilabel'];
const SHORT: Record<Task, string> = { binary: 'b', multiclass: 'mc', multilabel: 'ml' };

/** The default of an option, as the table shows it. */
function defaultOf(schema: unknown): string {
  const def = (schema as { def?: { type?: string; defaultValue?: unknown } }).def;
  if (def?.type !== 'default') return 'required';
  return JSON.stringify(def.defaultValue);
}

/**
 * The metric table of the documentation, from the registry: each metric, the tasks it exists
 * for, the options each task takes with their defaults, and the function it follows. One page
 * holds it between the markers below; `npm run readme` rewrites it (scripts/generated-sections.ts)
 * and test/readme.test.ts fails when it drifts.
 */
export function metricsTable(): string {
  const rows = metricDefinitions.map((d) => {
    const shape = (d.options as unknown as { shape: Record<string, unknown> }).shape;
    const tasks = TASKS.filter((t) => d.tasks.includes(t));
    const everywhere = new Set(tasks.flatMap((t) => d.optionsFor[t] ?? []));
    const options = [...everywhere]
      .map((name) => {
        const only = tasks.filter((t) => (d.optionsFor[t] ?? []).includes(name as never));
        const where = only.length === tasks.length ? '' : ` (${only.map((t) => SHORT[t]).join(', ')})`;
        return `\`${name}\` ${defaultOf(shape[name])}${where}`;
      })
      .join(', ');
    return `| \`${d.name}\` | ${tasks.map((t) => SHORT[t]).join(', ')} | ${options || '—'} | ${d.summary} | ${d.source} |`;
  });
  return ['| metric | tasks | options (default) | what it is | follows |', '|---|---|---|---|---|', ...rows].join('\n');
}

export const TABLE_START = '<!-- metrics-table:start (npm run readme) -->';
export const TABLE_END = '<!-- metrics-table:end -->';

