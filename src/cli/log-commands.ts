import { existsSync, statSync, writeFileSync } from 'node:fs';
import { SingleBar } from 'cli-progress';
import { auditLog, AuditError, type AuditReport, type LogSource, type RevokedKeyFate } from '../app/audit.js';
import { databaseLogSource, serverVerifierKey } from '../app/log.js';
import { createSigner, privateKeyFromJwk, publicKeyFromJwk, sha256 } from '../crypto/index.js';
import { checkHeadsConsistent, cosignCheckpoint, cosignerName, decodeBase64, formatSignatureLine, isLogError, openCheckpoint, createVerifierFromKey, parseCheckpoint, parseVerifierKey, SIG_TYPE_ED25519 } from '../domain/log/index.js';
import { verify } from '../crypto/index.js';
import { treeHasher } from '../app/log.js';
import type { ApiClient } from './client.js';
import { withStore } from './commands.js';
import type { Print } from './options.js';
import { CliError } from './errors.js';
import { readSmallFile } from './files.js';

export function httpLogSource(client: ApiClient): LogSource {
  return {
    checkpoint: async () => new TextDecoder().decode(await client.getBytes('/log/checkpoint')),
    entries: async (start, end) => {
      const { entries } = await client.get<{ entries: { index: number; entry: string; leafHash: string | null }[] }>(`/log/entries?start=${start}&end=${end}`);
      return entries.map((e) => ({ index: e.index, entry: new Uint8Array(Buffer.from(e.entry, 'base64')), leafHash: e.leafHash === null ? null : new Uint8Array(Buffer.from(e.leafHash, 'base64')) }));
    },
    consistency: async (from, to) => (await client.get<{ proof: string[] }>(`/log/proof/consistency?from=${from}&to=${to}`)).proof.map((p) => new Uint8Array(Buffer.from(p, 'base64'))),
  };
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

async function runAudit(source: LogSource, opts: { logKey: string; since?: string; save?: string; json?: boolean }, print: Print): Promise<AuditReport> {
  const since = opts.since ? readSmallFile(opts.since, 'saved checkpoint') : undefined;
  let bar: SingleBar | undefined;
  try {
    const report = await auditLog(source, {
      logKey: opts.logKey,
      ...(since !== undefined ? { since } : {}),
      onProgress: (done, total) => {
        if (total < 20_000 || !process.stderr.isTTY) return;
        bar ??= new SingleBar({ format: 'verifying [{bar}] {value}/{total} entries', stream: process.stderr });
        if (done === Math.min(1000, total)) bar.start(total, done);
        else bar.update(done);
      },
    });
    bar?.stop();
    if (opts.save) writeFileSync(opts.save, report.checkpoint);
    if (opts.json) print(JSON.stringify({ ok: true, ...report, checkpoint: undefined }, null, 2));
    else {
      print(`OK: ${report.size} entries of log ${report.origin} hash to the signed root ${report.root}.`);
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
      if (report.since) print(`    The log extends the checkpoint you saved (size ${report.since.size}): nothing before it was changed.`);
      print(`    Cosigned by: ${report.cosignedBy.length > 0 ? report.cosignedBy.join(', ') : 'nobody yet'}.`);
      if (opts.save) print(`    Saved this checkpoint to ${opts.save}; verify against it next time with --since.`);
    }
    return report;
  } catch (e) {
    bar?.stop();
    if (e instanceof AuditError) throw new CliError(`VERIFICATION FAILED: ${e.message}`, 6);
    throw e;
  }
}

export async function cmdVerify(opts: { client?: ApiClient; db?: string; logKey?: string; since?: string; save?: string; json?: boolean }, print: Print): Promise<void> {
  const pinned = opts.logKey === undefined ? undefined : resolveLogKey(opts.logKey);
  if (opts.db !== undefined) {
    await withStore(
      opts.db,
      async (_store, deps) => {
        const logKey = pinned ?? (await serverVerifierKey(deps.store.db));
        if (pinned === undefined) print('warning: no --log-key given; using the key stored in this database (pin the key from `passage init` instead).');
        await runAudit(databaseLogSource(deps), { ...opts, logKey }, print);
      },
      { existing: true },
    );
    return;
  }
  if (!opts.client) throw new CliError('give --url (and --token) or --db', 2);
  let logKey = pinned;
  if (logKey === undefined) {
    logKey = new TextDecoder().decode(await opts.client.getBytes('/log/key')).trim();
    print(`warning: no --log-key given; trusting the key the server itself serves (${logKey}). Pin it with --log-key.`);
  }
  await runAudit(httpLogSource(opts.client), { ...opts, logKey }, print);
}

export async function cmdLogKey(db: string, print: Print): Promise<void> {
  await withStore(db, async (_s, deps) => print(await serverVerifierKey(deps.store.db)), { existing: true });
}

/**
 * A party's witness: follows the log, keeps its own copy of the latest head, checks each new head
 * is consistent with it, cosigns consistent heads, and raises the alarm (exit 7) the moment the
 * server shows a head that contradicts one it already saw.
 */
export async function cmdLogWatch(
  client: ApiClient,
  opts: { logKey: string; partyKey: string; party: string; state: string; interval: number; once?: boolean },
  print: Print,
): Promise<void> {
  const verifier = createVerifierFromKey(resolveLogKey(opts.logKey), verify, sha256);
  let jwk: unknown;
  try {
    jwk = JSON.parse(readSmallFile(opts.partyKey, 'party key'));
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`${opts.partyKey} is not a JSON Web Key`, 2);
  }
  const priv = privateKeyFromJwk(jwk);
  const pub = publicKeyFromJwk(jwk);
  const sign = createSigner(priv);
  for (;;) {
    const text = new TextDecoder().decode(await client.getBytes('/log/checkpoint'));
    let head;
    try {
      head = openCheckpoint(text, { log: verifier }).checkpoint;
    } catch (e) {
      throw new CliError(`ALERT: the server's tree head does not verify with the pinned log key: ${(e as Error).message}`, 7);
    }
    const savedText = existsSync(opts.state) ? readSmallFile(opts.state, 'witness state') : undefined;
    if (savedText !== undefined) {
      const saved = parseCheckpoint(savedText);
      const [from, to] = saved.size <= head.size ? [saved.size, head.size] : [head.size, saved.size];
      const proof = from === to || from === 0 ? [] : (await client.get<{ proof: string[] }>(`/log/proof/consistency?from=${from}&to=${to}`).catch(() => ({ proof: [] as string[] }))).proof.map((p) => decodeBase64(p));
      try {
        if (saved.size > head.size) throw Object.assign(new Error(`the server shows ${head.size} entries after showing ${saved.size}`), { code: 'inconsistent_heads' });
        if (from === 0 && saved.size === 0 && head.size > 0) {
          /* anything extends the empty tree */
        } else checkHeadsConsistent(saved, head, proof, treeHasher);
      } catch (e) {
        const why = isLogError(e) || (e as { code?: string }).code === 'inconsistent_heads' ? (e as Error).message : String(e);
        print(`ALERT: the log server presented a tree head inconsistent with one this witness saw: ${why}`);
        writeFileSync(`${opts.state}.conflict`, text);
        throw new CliError(`ALERT: inconsistent tree heads (kept the offending head in ${opts.state}.conflict)`, 7);
      }
    }
    const body = text.slice(0, text.indexOf('\n\n') + 1);
    writeFileSync(opts.state, body);
    if (savedText === undefined || parseCheckpoint(savedText).size !== head.size) {
      const sig = cosignCheckpoint(body, { name: cosignerName(head.origin, opts.party), publicKey: pub, sign }, Math.floor(Date.now() / 1000), sha256);
      await client.post('/log/cosignatures', { size: head.size, signature: formatSignatureLine(sig) });
      print(`cosigned tree head of size ${head.size} (${Buffer.from(head.rootHash).toString('base64')}) as ${opts.party}`);
    }
    if (opts.once) return;
    await new Promise((r) => setTimeout(r, opts.interval * 1000));
  }
}
