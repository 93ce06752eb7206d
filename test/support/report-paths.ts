/**
 * The value at a report page's data-path (src/plots/report-values.ts writes them): `.`-joined keys
 * and indices, `~1` a dot and `~0` a tilde inside a key. Undefined where the path leads nowhere.
 */
export function at(data: unknown, path: string): unknown {
  let value: unknown = data;
  for (const segment of path.split('.').map((s) => s.replace(/~1/g, '.').replace(/~0/g, '~'))) {
    if (value === null || typeof value !== 'object' || !(segment in value)) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}
