import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../../app/deps.js';
import { consistencyProof, inclusionProof, latestCheckpoint, MAX_ENTRIES_PAGE, MAX_SUBJECT_PAGE, readEntries, serverVerifierKey, subjectEntries, submitCosignature } from '../../app/log.js';
import { DomainError } from '../../domain/errors.js';
import { logOpening } from '../../app/log-openings.js';
import { QueryRowNumber, QueryWholeNumber } from '../../schemas/common.js';
import { actorOf, commonErrors, write } from '../context.js';

const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');

export function logRoutes(app: FastifyInstance, deps: Deps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const db = deps.store.db;

  r.get('/log/checkpoint', { schema: { tags: ['log'], summary: 'The latest signed tree head (C2SP tlog-checkpoint in a signed note), with cosignatures' } }, async (req, reply) => {
    actorOf(req);
    const { text, size } = await latestCheckpoint(deps);
    return reply.type('text/plain; charset=utf-8').header('cache-control', 'no-store').header('x-log-size', String(size)).send(text);
  });

  r.get('/log/key', { schema: { tags: ['log'], summary: 'The server’s note verifier key (pin it out of band: do not trust this answer alone)' } }, async (req, reply) => {
    actorOf(req);
    return reply.type('text/plain; charset=utf-8').send(`${await serverVerifierKey(db)}\n`);
  });

  r.get(
    '/log/entries',
    {
      schema: {
        tags: ['log'],
        summary: `Entries [start, end) with their exact bytes (base64), at most ${MAX_ENTRIES_PAGE} per page`,
        querystring: z.object({ start: QueryRowNumber, end: QueryRowNumber }),
        response: { 200: z.object({ entries: z.array(z.object({ index: z.number().int(), entry: z.string(), leafHash: z.string().nullable() })) }), ...commonErrors },
      },
    },
    async (req) => {
      actorOf(req);
      const { start, end } = req.query;
      if (end < start || end - start > MAX_ENTRIES_PAGE) {
        throw new DomainError('validation_failed', `end must be ≥ start and at most start + ${MAX_ENTRIES_PAGE}`, { details: [{ path: '/end', message: 'out of range' }] });
      }
      const rows = await readEntries(db, start, end);
      return { entries: rows.map((e) => ({ index: e.index, entry: Buffer.from(e.entry, 'utf8').toString('base64'), leafHash: e.leafHash === null ? null : Buffer.from(e.leafHash, 'hex').toString('base64') })) };
    },
  );

  r.get(
    '/log/entries/by-subject',
    {
      schema: {
        tags: ['log'],
        summary: `One subject's entries (e.g. \`corridor/cor_…\`), each with its inclusion proof up to tree size \`size\`, at most ${MAX_SUBJECT_PAGE} per page`,
        description:
          'For checking one record’s history against a signed tree head without reading the whole log: fetch `GET /log/checkpoint`, verify its signature, then ask here with its size and check each entry’s RFC 9162 inclusion proof against its root. Entries from index `start` (default 0) below `size`, in order; `next` is the `start` of the next page, or null. Restricted entries (docs/log.md) are never listed here: their bytes show the subject `restricted`. What this proves is that each entry returned is in the log; that none was left out only an audit of the whole log (`passage verify`) shows.',
        querystring: z.object({
          subject: z.string().min(1).max(200),
          size: QueryWholeNumber,
          start: QueryRowNumber.optional(),
        }),
        response: {
          200: z.object({
            subject: z.string(),
            size: z.number().int(),
            entries: z.array(z.object({ index: z.number().int(), entry: z.string().describe('the exact bytes, base64'), proof: z.array(z.string()).describe('the audit path, base64 hashes') })),
            next: z.number().int().nullable(),
          }),
          ...commonErrors,
        },
      },
    },
    async (req) => {
      actorOf(req);
      const { subject, size, start } = req.query;
      const page = await subjectEntries(db, subject, size, start ?? 0);
      return {
        subject,
        size,
        entries: page.entries.map((e) => ({ index: e.index, entry: Buffer.from(e.entry, 'utf8').toString('base64'), proof: e.proof.map(b64) })),
        next: page.next,
      };
    },
  );

  r.get(
    '/log/openings/:index',
    {
      schema: {
        tags: ['log'],
        summary: 'What a restricted entry commits to (its opening), for the members who may see its record',
        description:
          'Entries about protected sites, movements, incidents with a distribution and non-public ledger versions show every member only `{"actor":"restricted","action":"restricted","subject":"restricted","payload":{"commitment":…}}`. The commitment is the SHA-256 (hex) of the RFC 8785 JSON of the opening returned here: a random salt and the real actor, action, subject and payload. 404 alike for an index without a restricted entry and for one you may not see. The server checks the opening against the commitment in its entry before handing it out: one that does not match, or is missing, is 503 log_damaged to those who may see the record.',
        params: z.object({ index: QueryRowNumber }),
        response: {
          200: z.object({
            index: z.number().int(),
            commitment: z.string(),
            opening: z.object({ salt: z.string(), actor: z.string(), action: z.string(), subject: z.string(), payload: z.unknown() }),
          }),
          ...commonErrors,
        },
      },
    },
    async (req) => logOpening(db, actorOf(req), req.params.index),
  );

  r.get(
    '/log/proof/inclusion',
    { schema: { tags: ['log'], summary: 'RFC 9162 inclusion proof (audit path) of entry `index` in the tree of `size`', querystring: z.object({ index: QueryWholeNumber, size: QueryWholeNumber }), response: { 200: z.object({ index: z.number(), size: z.number(), proof: z.array(z.string()) }), ...commonErrors } } },
    async (req) => {
      actorOf(req);
      const proof = await inclusionProof(db, req.query.index, req.query.size);
      return { index: req.query.index, size: req.query.size, proof: proof.map(b64) };
    },
  );

  r.get(
    '/log/proof/consistency',
    { schema: { tags: ['log'], summary: 'RFC 9162 consistency proof from tree size `from` to `to`', querystring: z.object({ from: QueryWholeNumber, to: QueryWholeNumber }), response: { 200: z.object({ from: z.number(), to: z.number(), proof: z.array(z.string()) }), ...commonErrors } } },
    async (req) => {
      actorOf(req);
      const proof = await consistencyProof(db, req.query.from, req.query.to);
      return { from: req.query.from, to: req.query.to, proof: proof.map(b64) };
    },
  );

  r.post(
    '/log/cosignatures',
    {
      schema: {
        tags: ['log'],
        summary: 'Submit your party’s cosignature (C2SP tlog-cosignature, Ed25519) over a tree head the server signed',
        body: z.object({ size: z.number().int().min(0), signature: z.string().min(1).max(1000).describe('the signature line: "— <name> <base64(keyID ‖ timestamp ‖ signature)>"') }).strict(),
        response: { 201: z.object({ size: z.number(), partyId: z.string(), kid: z.string() }), ...commonErrors },
      },
    },
    async (req, reply) => write(deps, req, reply, 201, (u, actor) => submitCosignature(u, actor, req.body)),
  );
}
