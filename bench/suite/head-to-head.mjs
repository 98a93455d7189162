// tinybench at one ef: vsearch end to end against raw hnswlib-node on the same graph (with
// and without the number[] conversion) and usearch, each task cycling through the queries.
import { Bench } from 'tinybench';
import { round } from '../../dist/bench/percentiles.js';

const TASK_TIME_MS = 1500;

/** tasks: [{ engine, name, run: () => unknown | Promise<unknown> }]; the first whose engine is `reference` divides. */
export async function headToHead({ ef, reference, tasks }) {
  const bench = new Bench({
    name: `search at ef=${ef}`,
    time: TASK_TIME_MS,
    warmupTime: 300,
    timestampProvider: 'hrtimeNow',
    throws: true,
  });
  for (const task of tasks) bench.add(task.name, task.run);
  await bench.run();
  const measured = bench.tasks.map((task, i) => {
    const result = task.result;
    if (result.state !== 'completed') throw new Error(`tinybench task ${task.name} ended ${result.state}`);
    return {
      engine: tasks[i].engine,
      name: task.name,
      samples: result.latency.samplesCount,
      meanUs: round(result.latency.mean * 1e3, 2),
      p50Us: round(result.latency.p50 * 1e3, 2),
      p99Us: round(result.latency.p99 * 1e3, 2),
      rmePercent: round(result.latency.rme, 2),
    };
  });
  const base = measured.find((task) => task.engine === reference) ?? measured[0];
  return { ef, reference, tasks: measured.map((task) => ({ ...task, ratio: round(task.meanUs / base.meanUs, 3) })) };
}

/** Cycles 0, 1, ..., count - 1, 0, ... */
export function cycler(count) {
  let next = 0;
  return () => {
    const value = next;
    next = (next + 1) % count;
    return value;
  };
}
