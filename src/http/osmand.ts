import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Deps } from '../app/deps.js';
import { positionIngestFor, type Report } from '../app/positions.js';
import { parseOsmandParams, parseTraccarJson, type TrackerReport } from '../domain/tracking-protocol.js';
import { fixTimeProblem, plausibleMeasurements } from '../domain/tracking.js';
import { storeUnavailable, warnAtMostEvery } from '../store/unavailable.js';
import { mayHoldUnstorable, unstorable, unstorableStringAt } from './json-body.js';

const MAX_BODY = 64 * 1024;
/** How often trackers that fell silent are looked for (the no-signal rule). */
const SWEEP_MS = 30_000;

function toReport(r: TrackerReport, now: number): Report {
  return {
    deviceId: r.deviceId,
    at: r.at ?? now,
    lat: r.lat,
    lon: r.lon,
    speed: r.speed,
    bearing: r.bearing,
    altitude: r.altitude,
    accuracy: r.accuracy,
    battery: r.battery,
    attributes: r.charging !== undefined || r.valid !== undefined || Object.keys(r.attributes).length > 0 ? { ...r.attributes, ...(r.charging !== undefined ? { charge: r.charging } : {}), ...(r.valid !== undefined ? { valid: r.valid } : {}) } : undefined,
  };
}

/**
 * Answers like Traccar's server: an empty 200 when stored, 400 when the report cannot be read or
 * (query or form) the device is unknown, 404 for an unknown device in a JSON body. The answer never
 * says anything about the movement the device belongs to: the listener has no reader but the phone.
 */
function send(res: ServerResponse, status: number): void {
  res.writeHead(status, { 'content-length': '0' });
  res.end();
}

export function handleOsmand(deps: Deps) {
  const ingest = positionIngestFor(deps);
  const warnUnavailable = warnAtMostEvery(10_000);
  return (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const query = q >= 0 ? url.slice(q + 1) : '';
    const finish = (params: URLSearchParams | undefined, json: unknown, isJson: boolean): void => {
      // A NUL (%00) in a name or value: kept as an attribute, it would fail the whole group's
      // commit on PostgreSQL, the other trackers' reports with it.
      if (params) for (const [k, v] of params) if (unstorable(k) || unstorable(v)) return send(res, 400);
      const parsed = isJson ? parseTraccarJson(json) : parseOsmandParams(params ?? new URLSearchParams());
      if (!parsed.ok) return send(res, 400);
      const now = deps.now();
      // A date no tracker can have had (1970, 9999) is refused like an unreadable one; impossible
      // measurements are taken as unknown rather than refusing the phone's position.
      if (parsed.report.at !== undefined && fixTimeProblem(parsed.report.at, now) !== undefined) return send(res, 400);
      ingest.submit([toReport(plausibleMeasurements(parsed.report), now)], 'osmand').then(
        (out) => send(res, out.ok ? 200 : isJson ? 404 : 400),
        (e: unknown) => {
          // A report that could not be stored: say so where the operator looks. With the database
          // out of reach, a 503 and Retry-After: the phone keeps the fix and sends it again.
          const unavailable = storeUnavailable(e);
          if (unavailable) {
            warnUnavailable(`passage: OsmAnd reports are refused with 503 while ${unavailable.why}`);
            res.writeHead(503, { 'content-length': '0', 'retry-after': String(unavailable.retryAfter) });
            res.end();
            return;
          }
          process.stderr.write(`passage: an OsmAnd report could not be stored: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
          send(res, 500);
        },
      );
    };
    const isJson = String(req.headers['content-type'] ?? '').toLowerCase().startsWith('application/json');
    if (!isJson && query.length > 0) {
      // As Traccar: a JSON body first, else the query string, else a form body. The phone's usual
      // form is all in the query string; whatever body there is, is ignored.
      req.resume();
      finish(new URLSearchParams(query), undefined, false);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        send(res, 413);
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (size > MAX_BODY) return;
      const body = Buffer.concat(chunks).toString('utf8');
      if (isJson) {
        let json: unknown;
        try {
          json = JSON.parse(body);
        } catch {
          return send(res, 400);
        }
        // As on the API: a lone surrogate could be stored in the fix's attributes but never hashed
        // for the log, and PostgreSQL cannot store a NUL at all.
        if (mayHoldUnstorable(body) && unstorableStringAt(json) !== undefined) return send(res, 400);
        finish(undefined, json, true);
        return;
      }
      finish(new URLSearchParams(body), undefined, false);
    });
    req.on('error', () => send(res, 400));
  };
}

/** Ports the OsmAnd listeners of this process listen on: a webhook may not point at them. */
const LISTENING = new Set<number>();

/** The ports this process's OsmAnd listeners listen on now. */
export function osmandPorts(): number[] {
  return [...LISTENING];
}

/**
 * The OsmAnd / Traccar Client listener on its own port (issue 5). Resolves once listening, with
 * the address and a function that stops it. Also runs the no-signal sweep while it listens.
 */
export async function startOsmandListener(deps: Deps, opts: { host: string; port: number }): Promise<{ address: string; close: () => Promise<void> } | undefined> {
  const server = createServer({ keepAliveTimeout: 65_000 }, handleOsmand(deps));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const a = server.address() as AddressInfo;
  const host = a.family === 'IPv6' || a.address.includes(':') ? `[${a.address}]` : a.address;
  LISTENING.add(a.port);
  const ingest = positionIngestFor(deps);
  const timer = setInterval(() => {
    ingest.sweepSilence().catch(() => undefined);
  }, SWEEP_MS);
  timer.unref();
  return {
    address: `http://${host}:${a.port}`,
    close: async () => {
      LISTENING.delete(a.port);
      clearInterval(timer);
      server.closeIdleConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
