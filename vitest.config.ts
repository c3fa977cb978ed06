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
    maxWorkers: availableParallelism() + 1,
  },
});
