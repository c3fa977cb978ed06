import { existsSync, statSync, writeFileSync } from 'node:fs';
import { SingleBar } from 'cli-progress';
import { auditLog, AuditError, type AuditReport, type LogSource, type RevokedKeyFate } from '../app/audit.js';
import { databaseLogSource, serverVerifierKey } from '../app/log.js';
import { createSigner, privateKeyFromJwk, publicKeyFromJwk, sha256 } from '../crypto/index.js';
import { checkHeadsConsistent, checkSubjectEntry, cosignCheckpoint, cosignerName, decodeBase64, formatSignatureLine, isLogError, openCheckpoint, otherLogOrigin, createVerifierFromKey, parseCheckpoint, parseSignedNote, parseVerifierKey, SIG_TYPE_ED25519, type Checkpoint, type SubjectEntryFields } from '../domain/log/index.js';
import { isDomainError } from '../domain/errors.js';
import { verify } from '../crypto/index.js';
import { treeHasher } from '../app/log.js';
import type { ApiClient } from './client.js';
import { withStore } from './commands.js';
import type { Print } from './options.js';
import { CliError, toCliError } from './errors.js';
import { checkWritableFile, readSmallFile } from './files.js';
import { ConsistencyProof, CorridorDetail, KeyRegistered, LogEntries, LogOpeningAnswer, SubjectEntries } from './responses.js';

/**
 * Whether `text` is a signed checkpoint at all (a signed note whose body is a checkpoint), before
 * any signature is checked: throws the reason it is not. What fails here was never a tree head,
 * so it says nothing about the log (not exit 6 or 7): a file or an answer of the wrong kind.
 */
function checkpointShape(text: string): Checkpoint {
  return parseCheckpoint(parseSignedNote(text).body);
}

export function httpLogSource(client: ApiClient): LogSource {
  return {
    checkpoint: async () => {
      const text = new TextDecoder().decode(await client.getBytes('/log/checkpoint', /^text\/plain\b/i));
      try {
        checkpointShape(text);
      } catch (e) {
        throw client.notPassageAt('/log/checkpoint', `not a signed checkpoint: ${(e as Error).message}`);
      }
      return text;
    },
    entries: async (start, end) => {
      const { entries } = await client.get(`/log/entries?start=${start}&end=${end}`, LogEntries);
      return entries.map((e) => ({ index: e.index, entry: new Uint8Array(Buffer.from(e.entry, 'base64')), leafHash: e.leafHash === null ? null : new Uint8Array(Buffer.from(e.leafHash, 'base64')) }));
    },
    consistency: async (from, to) => (await client.get(`/log/proof/consistency?from=${from}&to=${to}`, ConsistencyProof)).proof.map((p) => new Uint8Array(Buffer.from(p, 'base64'))),
    opening: async (index) => {
      try {
        return await client.get(`/log/openings/${index}`, LogOpeningAnswer);
      } catch (e) {
        // The same 404 for an index the caller may not see as for one without a restricted entry.
        if (e instanceof CliError && e.code === 'not_found') return undefined;
        throw e;
      }
    },
  };
}

/** A server's `log_damaged` problem, or the store's own damage found locally, as a failed verification (exit 6). */
function damagedAsFailure(e: unknown): unknown {
  if (e instanceof CliError && e.code === 'log_damaged') return new CliError(`VERIFICATION FAILED: the server reports ${e.message.replace(/ \(log_damaged\)$/, '')}`, 6, 'log_damaged');
  if (isDomainError(e) && e.code === 'log_damaged') return new CliError(`VERIFICATION FAILED: ${e.message}`, 6, 'log_damaged');
  return e;
}

/**
 * The saved checkpoint in `file` (`verify --since`), refused as bad input (exit 2) when it is not
 * one at all, or (`origin`: the pinned key's log) when it is a head of another log: a wrong file,
 * not evidence against this one.
 */
function readSavedCheckpoint(file: string, origin?: string): string {
  const text = readSmallFile(file, 'saved checkpoint');
  let saved: Checkpoint;
  try {
    saved = checkpointShape(text);
  } catch (e) {
    throw new CliError(`saved checkpoint ${file} is not a checkpoint \`passage verify --save\` wrote: ${(e as Error).message}`, 2);
  }
  if (origin !== undefined && saved.origin !== origin) {
    throw new CliError(`saved checkpoint ${file} is a head of log ${saved.origin}, not of log ${origin} (the log of the --log-key): give a checkpoint saved from this log`, 2);
  }
  return text;
}

/** The log a verifier key is for: its name (a log's key name is its origin). */
function keyOrigin(key: string): string {
  return parseVerifierKey(key, sha256).name;
}

/**
 * `--log-key` takes the key string itself or a (small, regular) file holding it. Either way it
 * must parse as a verifier key, checked before anything else is read: a malformed pinned key is
 * bad input (exit 2), not a failed verification.
 */
export function resolveLogKey(value: string): string {
  let stat;
  try {
    stat = statSync(value, { throwIfNoEntry: false });
  } catch {
    stat = undefined; // not a usable path (too long, a file in the middle, a NUL byte): a key string, then
  }
  const fromFile = stat?.isFile() === true && stat.size <= 64 * 1024;
  const key = fromFile ? readSmallFile(value, 'log key file').trim() : value.trim();
  let parsed;
  try {
    parsed = parseVerifierKey(key, sha256);
  } catch (e) {
    const why = (e as Error).message;
    const expected = 'name+keyid+base64, as `passage init` and `passage log key` print it';
    if (fromFile) throw new CliError(`the --log-key file ${value} does not hold a verifier key (${why}); it should hold only the key string (${expected}), or pass the key string itself`, 2);
    if (stat !== undefined) throw new CliError(`the --log-key value ${value} is not a verifier key but an existing path; pass the key string itself (${expected})`, 2);
    throw new CliError(`the --log-key value is not a verifier key (${expected}): ${why}`, 2);
  }
  if (parsed.sigType !== SIG_TYPE_ED25519) {
    throw new CliError(`the --log-key value is a witness's cosigner key (type 0x0${parsed.sigType.toString(16)}), not the log's: pin the key \`passage init\` and \`passage log key\` print`, 2);
  }
  return key;
}

/**
 * Signatures made with a key revoked later, in two groups: made while their key was compromised
 * (void now, as the views show them: valid: false), and made with a key retired routinely or
 * compromised only later (still binding: a note).
 */
function printRevokedKeyGroups(items: readonly (RevokedKeyFate & { index: number; kid: string; what: string })[], words: { voided: string; standing: string }, print: Print): void {
  const voided = items.filter((g) => g.void);
  const standing = items.filter((g) => !g.void);
  if (voided.length > 0) {
    print(`    ${voided.length} of them were made with a key compromised at the time, and ${words.voided}:`);
    for (const g of voided) print(`      entry ${g.index}: ${g.what}, key ${g.kid} compromised since ${g.compromisedSince ?? '?'} (revoked at entry ${g.revokedAt})`);
  }
  if (standing.length > 0) {
    print(`    ${standing.length} of them were made with a key revoked since that was not compromised then, and ${words.standing}:`);
    for (const g of standing) print(`      entry ${g.index}: ${g.what}, key ${g.kid} ${g.reason === 'superseded' ? 'since retired (superseded)' : `compromised only since ${g.compromisedSince ?? '?'}`} at entry ${g.revokedAt}`);
  }
}

interface VerifyOptions {
  logKey: string;
  since?: string;
  save?: string;
  json?: boolean;
  nodes?: boolean;
  openings?: boolean;
}

async function runAudit(source: LogSource, opts: VerifyOptions, print: Print): Promise<AuditReport> {
  const since = opts.since !== undefined ? readSavedCheckpoint(opts.since, keyOrigin(opts.logKey)) : undefined;
  let bar: SingleBar | undefined;
  try {
    const report = await auditLog(source, {
      logKey: opts.logKey,
      ...(since !== undefined ? { since } : {}),
      ...(opts.nodes ? { nodes: true } : {}),
      ...(opts.openings ? { openings: true } : {}),
      onProgress: (done, total) => {
        if (total < 20_000 || !process.stderr.isTTY) return;
        bar ??= new SingleBar({ format: 'verifying [{bar}] {value}/{total} entries', stream: process.stderr });
        if (done === Math.min(1000, total)) bar.start(total, done);
        else bar.update(done);
      },
    });
    bar?.stop();
    if (opts.save !== undefined) {
      if (report.checkpoint === undefined) throw new CliError(`nothing saved to ${opts.save}: the database holds no signed tree head yet (the server signs one when a checkpoint is first asked for)`, 4);
      writeFileSync(opts.save, report.checkpoint);
    }
    if (opts.json) print(JSON.stringify({ ok: true, ...report, checkpoint: undefined }, null, 2));
    else {
      if (report.checkpoint !== undefined) print(`OK: ${report.size} entries of log ${report.origin} hash to the signed root ${report.root}.`);
      else print(`OK: log ${report.origin} has no signed tree head yet.`);
      if (report.heads !== undefined && report.heads > 0) print(`    ${report.heads} signed heads stored, each verified with the pinned key and against the entries at its size.`);
      if (report.unsigned !== undefined && report.unsigned > 0) {
        print(
          report.checkpoint !== undefined
            ? `    ${report.unsigned} entries after the last signed head (size ${report.size}) are not yet under a signed head (checked like the others).`
            : `    ${report.unsigned} entries are not yet under a signed head (checked like the others).`,
        );
      }
      print(`    ${report.guarantees} guarantees verified against the keys their parties had registered (${report.keys} keys in the log).`);
      printRevokedKeyGroups(
        report.revokedKeyGuarantees.map((g) => ({ ...g, what: `${g.partyId}'s guarantee of corridor ${g.corridorId} version ${g.version}` })),
        { voided: 'no longer bind (the party must sign again)', standing: 'still bind' },
        print,
      );
      if (report.protocolSignatures + report.privateProtocolSignatures > 0) {
        print(`    ${report.protocolSignatures} signatures on public negotiation protocols verified the same way${report.privateProtocolSignatures > 0 ? `; ${report.privateProtocolSignatures} on private protocols are logged by hash only` : ''}.`);
        printRevokedKeyGroups(
          report.revokedKeyProtocolSignatures.map((p) => ({ ...p, what: `${p.partyId}'s signature of protocol ${p.protocolId} version ${p.version}` })),
          { voided: 'no longer count (the delegation must sign again)', standing: 'still count' },
          print,
        );
      }
      if (report.openings) {
        print(`    ${report.openings.checked} openings of restricted entries match their entries' commitments${report.openings.hidden > 0 ? ` (${report.openings.hidden} restricted entries are not for this token to open)` : ''}.`);
      }
      if (report.nodes !== undefined) print(`    ${report.nodes} stored tree nodes (every leaf and interior node) match the entries.`);
      if (report.since) print(`    The log extends the checkpoint you saved (size ${report.since.size}): nothing before it was changed.`);
      if (report.checkpoint !== undefined) print(`    Cosigned by: ${report.cosignedBy.length > 0 ? report.cosignedBy.join(', ') : 'nobody yet'}.`);
      if (opts.save !== undefined) print(`    Saved this checkpoint to ${opts.save}; verify against it next time with --since.`);
    }
    return report;
  } catch (e) {
    bar?.stop();
    if (e instanceof AuditError) throw new CliError(`VERIFICATION FAILED: ${e.message}`, 6, 'verification_failed');
    throw damagedAsFailure(e);
  }
}

export interface VerifyCommandOptions {
  /** The server's client (`--url`); `connect` makes it when the command runs. */
  client?: ApiClient;
  connect?: () => ApiClient;
  /** Both --url and --db were given: refused. */
  both?: boolean;
  db?: string;
  logKey?: string;
  /** Trust the key the audited server (or database) holds instead of a pinned one: proves nothing against it. */
  trustServedKey?: boolean;
  since?: string;
  save?: string;
  json?: boolean;
  nodes?: boolean;
  openings?: boolean;
}

/**
 * `passage verify`. With --json, stdout carries one JSON object whatever happens: the report with
 * `ok: true`, or `{"ok": false, "exitCode", "problem": {"code", "detail"}}` beside the usual line
 * on stderr, so that a script always has something to parse.
 */
export async function cmdVerify(opts: VerifyCommandOptions, print: Print, warn: Print = (line) => process.stderr.write(`${line}\n`)): Promise<void> {
  try {
    await verifyCommand(opts, print, warn);
  } catch (e) {
    if (opts.json) {
      const err = toCliError(e);
      print(JSON.stringify({ ok: false, exitCode: err.exitCode, problem: { code: err.code ?? (err.exitCode === 6 ? 'verification_failed' : 'error'), detail: err.message } }, null, 2));
    }
    throw e;
  }
}

async function verifyCommand(opts: VerifyCommandOptions, print: Print, warn: Print): Promise<void> {
  if (opts.both) throw new CliError('give --url or --db, not both: verify audits one log at a time', 2);
  if (opts.logKey === undefined && !opts.trustServedKey) {
    throw new CliError(
      'give --log-key, the log’s verifier key as `passage init` printed it and its mediator published it (a key string or a file holding it); --trust-served-key audits with the key the audited server or database itself holds instead, which proves nothing against it',
      2,
    );
  }
  if (opts.logKey !== undefined && opts.trustServedKey) throw new CliError('give --log-key or --trust-served-key, not both', 2);
  if (opts.nodes && opts.db === undefined) throw new CliError('--nodes compares the tree nodes a database stores: give it with --db', 2);
  if (opts.openings && opts.db !== undefined) throw new CliError('--openings asks a server for the openings its token may see: give it with --url (--db checks every opening the database keeps anyway)', 2);
  const pinned = opts.logKey === undefined ? undefined : resolveLogKey(opts.logKey);
  // Local files first, so that a bad one fails at once, not after the whole audit ran.
  if (opts.save !== undefined) checkWritableFile(opts.save, '--save');
  if (opts.since !== undefined) readSavedCheckpoint(opts.since, pinned === undefined ? undefined : keyOrigin(pinned));
  if (opts.db !== undefined) {
    await withStore(
      opts.db,
      async (_store, deps) => {
        let logKey = pinned;
        if (logKey === undefined) {
          logKey = await serverVerifierKey(deps.store.db);
          warn('warning: --trust-served-key: using the key stored in this database, which proves nothing against it (pin the key from `passage init` with --log-key instead).');
        }
        await runAudit(databaseLogSource(deps), { ...opts, logKey }, print);
      },
      { existing: true },
    );
    return;
  }
  const client = opts.client ?? opts.connect?.();
  if (!client) throw new CliError('give --url (and --token) or --db', 2);
  let logKey = pinned;
  if (logKey === undefined) {
    try {
      logKey = new TextDecoder().decode(await client.getBytes('/log/key', /^text\/plain\b/i)).trim();
    } catch (e) {
      throw damagedAsFailure(e);
    }
    try {
      parseVerifierKey(logKey, sha256);
    } catch (e) {
      throw client.notPassageAt('/log/key', `not a verifier key: ${(e as Error).message}`);
    }
    warn(`warning: --trust-served-key: trusting the key the server itself serves (${logKey}), which proves nothing against it. Pin it with --log-key.`);
  }
  await runAudit(httpLogSource(client), { ...opts, logKey }, print);
}

/**
 * `passage corridors history <corridor> --log-key K`: the corridor's log entries, each proven in
 * the server's signed tree head, the head checked with the pinned key — what the corridor page's
 * log section shows, for a liaison officer at the command line, without downloading the whole log
 * (`GET /log/entries/by-subject`: the entries with their proofs). A head or an entry that does not
 * verify is exit 6, naming it. It proves each entry shown is in the log; only `passage verify`,
 * which reads them all, shows that none is missing — and the output says so.
 */
export async function cmdCorridorHistory(client: ApiClient, corridorId: string, opts: { logKey: string; since?: string; json?: boolean }, print: Print): Promise<void> {
  const key = resolveLogKey(opts.logKey);
  const verifier = createVerifierFromKey(key, verify, sha256);
  // A bad saved file is bad input (exit 2), found before anything is asked of the server.
  const savedText = opts.since === undefined ? undefined : readSavedCheckpoint(opts.since, verifier.name);
  // The corridor first: an unknown one is a 404 (exit 4), not an empty history.
  const corridor = await client.get(`/corridors/${encodeURIComponent(corridorId)}`, CorridorDetail);
  let text: string;
  try {
    text = await httpLogSource(client).checkpoint();
  } catch (e) {
    throw damagedAsFailure(e);
  }
  const origin = otherLogOrigin(text, verifier.name);
  if (origin !== undefined) throw new CliError(`VERIFICATION FAILED: this server's log is ${origin}, but the pinned key is for ${verifier.name}: pin the key of this server's log`, 6, 'verification_failed');
  let head: Checkpoint;
  try {
    head = openCheckpoint(text, { log: verifier }).checkpoint;
  } catch (e) {
    throw new CliError(`VERIFICATION FAILED: the server's signed tree head does not verify with the pinned log key: ${(e as Error).message}`, 6, 'verification_failed');
  }
  // With --since: the head must extend the one saved earlier (RFC 9162 consistency proof), so an
  // entry rewritten since then is caught even though the rewritten tree was signed anew.
  if (savedText !== undefined) {
    let saved: Checkpoint;
    try {
      saved = openCheckpoint(savedText, { log: verifier }).checkpoint;
    } catch (e) {
      throw new CliError(`VERIFICATION FAILED: the saved checkpoint does not verify with the pinned log key: ${(e as Error).message}`, 6, 'verification_failed');
    }
    if (saved.size > head.size) throw new CliError(`VERIFICATION FAILED: the server now shows ${head.size} entries, but you saved a head of ${saved.size}: the log was truncated or forked`, 6, 'verification_failed');
    let proof: Uint8Array[];
    try {
      proof = (await client.get(`/log/proof/consistency?from=${saved.size}&to=${head.size}`, ConsistencyProof)).proof.map((p) => decodeBase64(p));
    } catch (e) {
      throw damagedAsFailure(e);
    }
    try {
      checkHeadsConsistent(saved, head, proof, sha256); // as the witness checks each new head
    } catch (e) {
      throw new CliError(`VERIFICATION FAILED: the server's tree head of ${head.size} entries does not extend the checkpoint you saved (${saved.size} entries): the log was rewritten since (${(e as Error).message})`, 6, 'verification_failed');
    }
  }
  const subject = `corridor/${corridor.id}`;
  const entries: SubjectEntryFields[] = [];
  for (let start: number | null = 0; start !== null; ) {
    let page;
    try {
      page = await client.get(`/log/entries/by-subject?subject=${encodeURIComponent(subject)}&size=${head.size}&start=${start}`, SubjectEntries);
    } catch (e) {
      throw damagedAsFailure(e);
    }
    for (const e of page.entries) {
      try {
        entries.push(checkSubjectEntry({ index: e.index, entry: decodeBase64(e.entry), proof: e.proof.map((p) => decodeBase64(p)) }, subject, head, sha256));
      } catch (err) {
        throw new CliError(`VERIFICATION FAILED: entry ${e.index}, served as one of ${subject}: ${(err as Error).message}`, 6, 'verification_failed');
      }
    }
    if (page.next !== null && page.next <= start) throw client.notPassageAt('/log/entries/by-subject', `its next page (${page.next}) does not move on from ${start}`);
    start = page.next;
  }
  if (opts.json) {
    print(JSON.stringify({ ok: true, corridorId: corridor.id, title: corridor.title, origin: head.origin, size: head.size, extendsSaved: savedText !== undefined, entries }, null, 2));
    return;
  }
  print(`Corridor "${corridor.title}" (${corridor.id}) in log ${head.origin}: ${entries.length} ${entries.length === 1 ? 'entry' : 'entries'}, each proven in the tree head of ${head.size} entries the server signed (signature checked with the pinned key${savedText === undefined ? '' : '; it extends the checkpoint you saved'}).`);
  for (const e of entries) print(`  #${e.index}  ${e.time}  ${e.action}  ${e.actor}`);
  print('This proves each entry shown is in the log; that none is missing only `passage verify`, which reads the whole log, shows.');
}

export async function cmdLogKey(db: string, print: Print): Promise<void> {
  await withStore(db, async (_s, deps) => print(await serverVerifierKey(deps.store.db)), { existing: true });
}

/**
 * The witness's saved head (`--state`), or undefined when there is none yet; a file that is not
 * one, or holds a head of another log than the pinned key's (`origin`), is bad input (exit 2): a
 * wrong file, not a fork.
 */
function readWitnessState(file: string, origin: string): { body: string; head: Checkpoint } | undefined {
  if (!existsSync(file)) return undefined;
  const body = readSmallFile(file, 'witness state');
  let head: Checkpoint;
  try {
    head = parseCheckpoint(body);
  } catch (e) {
    throw new CliError(`witness state ${file} is not a tree head this witness saved (${(e as Error).message}): give the --state file \`passage log watch\` keeps, or a new path to start afresh`, 2);
  }
  if (head.origin !== origin) {
    throw new CliError(`witness state ${file} holds a head of log ${head.origin}, not of log ${origin} (the log of the --log-key): give this log's --state file, or a new path to start afresh`, 2);
  }
  return { body, head };
}

/** The longest pause between two attempts while the server cannot be reached. */
const MAX_BACKOFF_S = 300;

/**
 * A failure of one round of the witness that the next round may not meet: the server down or
 * restarting, a timeout, a 5xx, an answer a proxy made (errors.ts: exit 1), or the server saying
 * its log store is damaged (503 log_damaged: the mediator may restore it). Not an alert (7), a
 * refused cosignature or token (3), or bad input (2): those end the witness.
 */
function isTransient(e: unknown): boolean {
  return e instanceof CliError && (e.exitCode === 1 || e.code === 'log_damaged');
}

/**
 * A party's witness: follows the log, keeps its own copy of the latest head it cosigned, checks
 * each new head is consistent with it, cosigns consistent heads, and raises the alarm (exit 7) the
 * moment the server shows a head that contradicts one it already saw. The state file is written
 * only once the server accepted the cosignature: a cosignature that failed (a wrong key, a 503, a
 * dropped connection) is made again on the next run or round, not forgotten.
 */
export async function cmdLogWatch(
  client: ApiClient,
  opts: { logKey: string; partyKey: string; party: string; state: string; interval: number; once?: boolean },
  print: Print,
  warn: Print = (line) => process.stderr.write(`${line}\n`),
): Promise<void> {
  const verifier = createVerifierFromKey(resolveLogKey(opts.logKey), verify, sha256);
  let jwk: unknown;
  try {
    jwk = JSON.parse(readSmallFile(opts.partyKey, 'party key'));
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`${opts.partyKey} is not a JSON Web Key`, 2);
  }
  let priv: Uint8Array;
  let pub: Uint8Array;
  try {
    priv = privateKeyFromJwk(jwk);
    pub = publicKeyFromJwk(jwk);
  } catch (e) {
    throw new CliError(`${opts.partyKey} is not an Ed25519 private JWK (${(e as Error).message})`, 2);
  }
  const sign = createSigner(priv);
  checkWritableFile(opts.state, '--state');
  let saved = readWitnessState(opts.state, verifier.name);
  const source = httpLogSource(client);

  const round = async (): Promise<void> => {
    const text = await source.checkpoint();
    const origin = otherLogOrigin(text, verifier.name);
    if (origin !== undefined) {
      throw new CliError(`ALERT: this server's log is ${origin}, but the pinned key is for ${verifier.name}: it is not the log this witness follows (${client.server})`, 7);
    }
    let head;
    try {
      head = openCheckpoint(text, { log: verifier }).checkpoint;
    } catch (e) {
      throw new CliError(`ALERT: the server's tree head does not verify with the pinned log key: ${(e as Error).message}`, 7);
    }
    if (saved !== undefined) {
      const seen = saved.head;
      const [from, to] = seen.size <= head.size ? [seen.size, head.size] : [head.size, seen.size];
      // A proof that cannot be fetched is no evidence either way: the error goes up as it is
      // (exit 1, retried when following), never taken for an empty proof and a false alarm. One
      // that was fetched but is malformed (an element not base64) is an invalid proof like any other.
      const served = from === to || from === 0 || seen.size > head.size ? [] : (await client.get(`/log/proof/consistency?from=${from}&to=${to}`, ConsistencyProof)).proof;
      try {
        const proof = served.map((p, i) => decodeBase64(p, 'proof_invalid', `consistency proof element ${i}`));
        if (seen.size > head.size) throw Object.assign(new Error(`the server shows ${head.size} entries after showing ${seen.size}`), { code: 'inconsistent_heads' });
        if (from === 0 && seen.size === 0 && head.size > 0) {
          /* anything extends the empty tree */
        } else checkHeadsConsistent(seen, head, proof, treeHasher);
      } catch (e) {
        const why = isLogError(e) || (e as { code?: string }).code === 'inconsistent_heads' ? (e as Error).message : String(e);
        print(`ALERT: the log server ${client.server} presented a tree head (size ${head.size}) inconsistent with the one this witness saw (size ${seen.size}): ${why}`);
        writeFileSync(`${opts.state}.conflict`, text);
        throw new CliError(`ALERT: inconsistent tree heads (kept the offending head in ${opts.state}.conflict)`, 7);
      }
      if (seen.size === head.size) return; // cosigned already (the state holds only cosigned heads)
    }
    const body = text.slice(0, text.indexOf('\n\n') + 1);
    const sig = cosignCheckpoint(body, { name: cosignerName(head.origin, opts.party), publicKey: pub, sign }, Math.floor(Date.now() / 1000), sha256);
    await client.post('/log/cosignatures', { size: head.size, signature: formatSignatureLine(sig) }, KeyRegistered.pick({ partyId: true }));
    // Only now: the head is remembered as cosigned once the server has the cosignature.
    writeFileSync(opts.state, body);
    saved = { body, head };
    print(`cosigned tree head of size ${head.size} (${Buffer.from(head.rootHash).toString('base64')}) as ${opts.party}`);
  };

  let failures = 0;
  for (;;) {
    try {
      await round();
      failures = 0;
    } catch (e) {
      if (opts.once || !isTransient(e)) throw damagedAsFailure(e);
      // Following the log, a server restart or a network cut is not the end: say so on one line
      // and try again, waiting longer each time (up to MAX_BACKOFF_S, or --interval if longer). A
      // server that says its log store is damaged is said so loudly, and asked again too.
      failures += 1;
      const wait = Math.min(opts.interval * 2 ** (failures - 1), Math.max(opts.interval, MAX_BACKOFF_S));
      const damaged = (e as CliError).code === 'log_damaged';
      warn(`passage: log watch: ${damaged ? `WARNING: the server ${client.server} reports ` : ''}${(e as Error).message}; trying again in ${wait} s`);
      await new Promise((r) => setTimeout(r, wait * 1000));
      continue;
    }
    if (opts.once) return;
    await new Promise((r) => setTimeout(r, opts.interval * 1000));
  }
}
