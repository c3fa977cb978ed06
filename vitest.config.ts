import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Vitest's default is one worker fewer than the CPUs: one worker on a 2-vCPU CI machine. Most
    // of the slow files wait on child processes (the CLI, `passage serve`, Chromium) rather than
    // compute, so one worker more than the CPUs keeps both busy (measured on 2 vCPUs: 11.8 min
    // with one worker, 8.1 min with three).
    // (Four workers on 2 vCPUs: 576 s against 514 s with three — the run is CPU-bound by then.)
    maxWorkers: availableParallelism() + 1,
    // Each worker process runs its files one after another and loads the sources once, not once
    // per file: loading them through Vitest's module runner was ~1.1 s per file (117 s of a full
    // run, 18 s this way; the run 514 s → 476 s on 2 vCPUs). The tests share no state but
    // content-keyed caches: each makes its own store, server and browser and puts back any fake
    // timers it sets.
    isolate: false,
    // Transformed modules kept on disk (node_modules/.experimental-vitest-cache): workers reuse
    // what another transformed, and a rerun starts warm.
    experimental: { fsModuleCache: true },
  },
});
