/** Polls `condition` every 25 ms until it holds; throws, naming `what`, past `ms`. */
export async function until(condition: () => Promise<boolean>, ms: number, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
