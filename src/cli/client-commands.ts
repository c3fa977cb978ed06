/**
 * The commands that only talk to a server over HTTP (keys, sign, status, corridors): kept apart
 * from the server's own commands (commands.ts) so that they load jose and the HTTP client, not the
 * store, the server and the demo (a CLI call is a process start).
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { calculateJwkThumbprint, CompactSign, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import type { z } from 'zod';
import type { ApiClient } from './client.js';
import { CliError, toCliError } from './errors.js';
import { ensureDir, readSmallFile } from './files.js';
import { parseAtOption, REVOKE_REASON_HELP, type Print } from './options.js';
import { AnyJson, CorridorDetail, CorridorList, CorridorState, CorridorStatus, IssuedToken, KeyRegistered, KeyRevoked, Me, SignedText } from './responses.js';

export async function cmdKeysGenerate(opts: { out: string; name: string; force?: boolean }, print: Print): Promise<void> {
  if (!/^[A-Za-z0-9._-]+$/.test(opts.name)) throw new CliError('--name may only use letters, digits, dot, dash and underscore', 2);
  const privPath = resolve(join(opts.out, `${opts.name}.private.jwk`));
  const pubPath = resolve(join(opts.out, `${opts.name}.public.jwk`));
  if (!opts.force && (existsSync(privPath) || existsSync(pubPath))) throw new CliError(`${privPath} exists; refusing to overwrite a key (use --force)`, 5);
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const pub = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(pub, 'sha256');
  ensureDir(opts.out, 'the key directory', 0o700);
  // writeFileSync's mode applies only to a file it creates: a key file overwritten with --force
  // would keep its old, perhaps world-readable, mode. Removed first, so the new one is created 0600.
  if (opts.force) rmSync(privPath, { force: true });
  writeFileSync(privPath, `${JSON.stringify({ ...(await exportJWK(privateKey)), kid, alg: 'EdDSA' }, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  writeFileSync(pubPath, `${JSON.stringify({ ...pub, kid, alg: 'EdDSA', use: 'sig' }, null, 2)}\n`);
  print(`Private key: ${privPath} (mode 0600; it never leaves this machine)`);
  print(`Public key:  ${pubPath}`);
  print(`Key id (RFC 7638 thumbprint): ${kid}`);
}

function readJwk(path: string): JWK {
  const text = readSmallFile(path, 'key file');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  // `null`, a number or an array parse as JSON too, and no key is any of them.
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new CliError(`${path} is not a JSON Web Key`, 2);
  return json as JWK;
}

export async function cmdKeysRegister(client: ApiClient, opts: { party: string; key: string }, print: Print): Promise<void> {
  const jwk = readJwk(opts.key);
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') throw new CliError(`${opts.key} is not an Ed25519 public JWK`, 2);
  if (jwk.d !== undefined) throw new CliError(`${opts.key} is a PRIVATE key: register the .public.jwk file; the private key must stay with you`, 2);
  const view = await client.post(`/parties/${encodeURIComponent(opts.party)}/keys`, { jwk: { kty: 'OKP', crv: 'Ed25519', x: jwk.x } }, KeyRegistered);
  print(`Registered key ${view.kid} for party ${view.partyId}`);
}

/**
 * Replaces the token in use by a new one for the same member: issues it, then revokes the one in
 * use (a token the mediator handed over is retired by the server as the new one is issued).
 * The new secret is printed once, alone on its line, for a script to take.
 */
export async function cmdTokenRotate(client: ApiClient, opts: { label: string; json?: boolean }, print: Print): Promise<void> {
  const me = await client.get('/me', Me);
  const issued = await client.post(`/members/${encodeURIComponent(me.member.id)}/tokens`, { label: opts.label }, IssuedToken);
  // The new secret exists only in this answer: it is printed whatever happens to the revocation.
  let revokeError: unknown;
  if (!me.handedOverToken) await client.post(`/tokens/${encodeURIComponent(me.tokenId)}/revoke`, {}, AnyJson).catch((e: unknown) => (revokeError = e));
  const replaced = revokeError === undefined;
  if (opts.json) print(JSON.stringify({ memberId: me.member.id, partyId: me.party.id, tokenId: issued.id, token: issued.token, replacedTokenId: me.tokenId, replacedTokenRevoked: replaced }, null, 2));
  else {
    print(`New API token ${issued.id} for ${me.member.name} (${me.party.name}); it is shown only this once, keep it secret:`);
    print(issued.token);
    if (me.handedOverToken) print(`The token the mediator handed over (${me.tokenId}) no longer works: the mediator, who saw it, holds no token of yours.`);
    else if (replaced) print(`The token used for this (${me.tokenId}) is revoked.`);
  }
  if (!replaced) {
    const e = toCliError(revokeError);
    throw new CliError(`the new token works, but the one it replaces (${me.tokenId}) could not be revoked: ${e.message}`, e.exitCode, e.code);
  }
}

export async function cmdKeysRevoke(client: ApiClient, kid: string, opts: { party: string; reason: string; since?: string }, print: Print): Promise<void> {
  if (opts.reason !== 'superseded' && opts.reason !== 'compromised') throw new CliError(`--reason must be superseded or compromised (${REVOKE_REASON_HELP})`, 2);
  if (opts.since !== undefined && opts.reason !== 'compromised') throw new CliError('--since goes only with --reason compromised: a superseded key was never compromised', 2);
  const since = opts.since === undefined ? undefined : parseAtOption(opts.since, '--since');
  const view = await client.post(`/parties/${encodeURIComponent(opts.party)}/keys/${encodeURIComponent(kid)}/revoke`, { reason: opts.reason, ...(since !== undefined ? { since } : {}) }, KeyRevoked);
  if (view.revocationReason === 'superseded') {
    print(`Retired key ${view.kid} of party ${view.partyId} (superseded) at ${view.revokedAt}: it signs nothing more; the guarantees it made still bind.`);
    return;
  }
  print(`Revoked key ${view.kid} of party ${view.partyId} as compromised since ${view.compromisedSince ?? '?'}: guarantees it made from then on no longer bind.`);
  if (view.voidedCorridorIds.length === 0) print('No corridor in play lost a guarantee now.');
  else print(`Corridors back to proposed until ${view.partyId} signs again with a key that stands: ${view.voidedCorridorIds.join(', ')}`);
}

/**
 * The Ed25519 private JWK in the file at `path`, ready to sign: `sign(bytes)` makes the compact
 * JWS (EdDSA, kid = the key's RFC 7638 thumbprint, payload embedded) that a guarantee and a
 * protocol signature are. A file that holds no usable private key fails here, before any request.
 */
export async function loadSigningKey(path: string): Promise<{ kid: string; sign: (bytes: Uint8Array) => Promise<string> }> {
  const jwk = readJwk(path);
  // Checked here, not left to jose: an RSA or P-256 key would otherwise fail with jose's wording
  // (or be imported for another algorithm), and the user must hear which file is wrong and why.
  const ed25519 = jwk.kty === 'OKP' && jwk.crv === 'Ed25519' && typeof jwk.x === 'string';
  if (ed25519 && jwk.d === undefined) throw new CliError(`${path} has no private key ("d"): sign with your .private.jwk`, 2);
  if (!ed25519 || typeof jwk.d !== 'string') throw new CliError(`${path} is not an Ed25519 private JWK${typeof jwk.kty === 'string' ? ` (it is a ${[jwk.kty, jwk.crv].filter((x) => typeof x === 'string').join(' ')} key)` : ''}: sign with the .private.jwk \`passage keys generate\` wrote`, 2);
  const kid = await calculateJwkThumbprint({ kty: jwk.kty, crv: jwk.crv, x: jwk.x } as JWK, 'sha256');
  let key: Awaited<ReturnType<typeof importJWK>>;
  try {
    key = await importJWK(jwk, 'EdDSA');
  } catch (e) {
    throw new CliError(`${path} is not an Ed25519 private JWK (${(e as Error).message})`, 2);
  }
  return { kid, sign: (bytes) => new CompactSign(bytes).setProtectedHeader({ alg: 'EdDSA', kid }).sign(key) };
}

export async function cmdSign(client: ApiClient, corridorId: string, opts: { key: string }, print: Print): Promise<void> {
  const signer = await loadSigningKey(opts.key);
  const id = encodeURIComponent(corridorId);
  const { bytes, value: terms } = await client.getJsonBytes(`/corridors/${id}/terms`, SignedText);
  const view = await client.post(`/corridors/${id}/guarantees`, { jws: await signer.sign(bytes) }, CorridorState);
  print(`Signed version ${terms.version} of "${terms.title}" with key ${signer.kid}; the corridor is now ${view.state}.`);
}

export async function cmdStatus(client: ApiClient, corridorId: string, opts: { at?: string; json?: boolean }, print: Print): Promise<void> {
  const at = parseAtOption(opts.at);
  const s = await client.get(`/corridors/${encodeURIComponent(corridorId)}/status${at ? `?at=${encodeURIComponent(at)}` : ''}`, CorridorStatus);
  if (opts.json) {
    print(JSON.stringify(s, null, 2));
    return;
  }
  if (s.open && s.currentWindow) print(`OPEN at ${s.at} until ${s.currentWindow.endLocal} (${s.currentWindow.timeZone}; ${s.currentWindow.end})`);
  else print(`NOT OPEN at ${s.at} (${s.state}): ${s.reasons.map((r) => r.message).join('; ')}`);
  if (s.nextWindow) print(`Next window: ${s.nextWindow.startLocal} (${s.nextWindow.timeZone}; ${s.nextWindow.start})`);
}

type CorridorLite = Omit<z.infer<typeof CorridorDetail>, 'suspensions'>;

/** What became of the key a guarantee was made with, as a neutral note ('' while it stands). */
function keyNote(g: CorridorLite['guarantees'][number]): string {
  if (g.keyRevokedAt === null) return '';
  if (g.keyRevocationReason === 'superseded') return `; key since retired (superseded) ${g.keyRevokedAt}`;
  return `; key revoked ${g.keyRevokedAt} as compromised since ${g.keyCompromisedSince ?? '?'}`;
}

/**
 * A corridor and where each required party's guarantee stands: which key made it and whether it
 * binds — void once the terms were amended, or when made with a key compromised at the time (then
 * the party must sign again). A key retired routinely (superseded) is noted, not warned about: its
 * guarantees bind. The same rule as the API's `valid` and `passage verify`'s report.
 */
export function corridorLines(c: CorridorLite): string[] {
  const out = [`${c.id}  v${c.version}  ${c.state}  ${c.title}`, 'Guarantees:'];
  for (const party of c.terms.requiredGuarantors) {
    const mine = c.guarantees.filter((g) => g.partyId === party);
    const binding = mine.find((g) => g.valid && g.version === c.version);
    if (!binding && !mine.some((g) => g.version === c.version)) out.push(`  ${party}  has not signed version ${c.version}`);
    for (const g of mine) {
      const what = `version ${g.version}, signed ${g.createdAt} with key ${g.kid}`;
      if (g === binding) out.push(`  ${party}  binds: ${what}${keyNote(g)}`);
      else if (g.version !== c.version) out.push(`  ${party}  void (the terms were amended since): ${what}${keyNote(g)}`);
      else {
        out.push(
          `  ${party}  VOID, KEY COMPROMISED since ${g.keyCompromisedSince ?? '?'} (revoked ${g.keyRevokedAt ?? '?'}): ${what}${binding ? '' : `; ${party} must sign version ${c.version} again with a key that stands`}`,
        );
      }
    }
  }
  return out;
}

export async function cmdCorridorShow(client: ApiClient, corridorId: string, opts: { json?: boolean }, print: Print): Promise<void> {
  const c = await client.get(`/corridors/${encodeURIComponent(corridorId)}`, CorridorDetail);
  if (opts.json) {
    print(JSON.stringify(c, null, 2));
    return;
  }
  for (const line of corridorLines(c)) print(line);
}

export async function cmdCorridorsList(client: ApiClient, opts: { state?: string; json?: boolean }, print: Print): Promise<void> {
  if (opts.state !== undefined && opts.state.trim() === '') throw new CliError('--state must not be empty: give a state such as guaranteed, or leave the option out', 2);
  const list = await client.get(`/corridors${opts.state !== undefined ? `?state=${encodeURIComponent(opts.state)}` : ''}`, CorridorList);
  if (opts.json) {
    print(JSON.stringify(list, null, 2));
    return;
  }
  if (list.length === 0) print('No corridors.');
  for (const c of list) print(`${c.id}  v${c.version}  ${c.state.padEnd(10)}  ${c.title}`);
}
