/**
 * Runs `worker` over `tasks` with at most `concurrency` in flight. Workers pull the next task
 * as soon as they finish one, so one slow item never stalls a batch. Stops taking new tasks
 * once `signal` aborts; tasks already started are left to settle.
 */
export async function runPool<T>(
  tasks: readonly T[],
  concurrency: number,
  worker: (task: T) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(concurrency, tasks.length)) }, async () => {
    while (next < tasks.length && !signal?.aborted) {
      const task = tasks[next++]!;
      await worker(task);
    }
  });
  await Promise.all(lanes);
}
