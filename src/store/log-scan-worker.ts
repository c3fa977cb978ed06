/**
 * Worker thread of `scanSqliteParallel`: one read-only connection; claims ranges from the shared
 * counter until none is left, posting each range's scan as it is done.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openScanDatabase, scanSqliteRange, type ScanWorkerData } from './log-scan.js';

const { file, ranges, claimed, scan } = workerData as ScanWorkerData;
const db = openScanDatabase(file);
const counter = new Int32Array(claimed);
for (;;) {
  const id = Atomics.add(counter, 0, 1);
  const range = ranges[id];
  if (range === undefined) break;
  try {
    parentPort?.postMessage({ id, scan: scanSqliteRange(db, range[0], range[1], scan) });
  } catch (e) {
    parentPort?.postMessage({ id, error: (e as Error).message });
    break;
  }
}
db.close();
