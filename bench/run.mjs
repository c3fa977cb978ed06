// `npm run bench`: every benchmark an issue asks for, seeded, printed with the machine it ran on.
// Results are copied by hand into docs/benchmarks.md (with the date and machine), never asserted
// by a unit test. `npm run bench -- --quick` runs smaller sizes for a smoke check.
import os from 'node:os';
import { runDeconflictionHttpBench } from './deconfliction-http.bench.mjs';
import { runLogBench } from './log.bench.mjs';
import { runMerkleBench } from './merkle.bench.mjs';

const quick = process.argv.includes('--quick');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
console.log(`# Passage benchmarks — ${new Date().toISOString()}`);
console.log(`machine: ${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}, ${os.platform()} ${os.release()}${quick ? ' (quick sizes)' : ''}`);

const suites = {
  merkle: async () => runMerkleBench({ quick }),
  log: async () => runLogBench({ quick }),
  deconfliction: async () => {
    const mod = await import('./deconfliction.bench.mjs').catch(() => undefined);
    if (!mod?.runDeconflictionBench) return console.log('deconfliction: not available');
    return mod.runDeconflictionBench({ quick });
  },
  'deconfliction-http': async () => runDeconflictionHttpBench({ quick }),
  positions: async () => (await import('./positions.bench.mjs')).runPositionsBench({ quick }),
  web: async () => (await import('./web.bench.mjs')).runWebBench({ quick }),
  events: async () => (await import('./events.bench.mjs')).runEventsBench({ quick }),
};
for (const [name, run] of Object.entries(suites)) {
  if (only && only !== name) continue;
  console.log(`\n## ${name}`);
  await run();
}
