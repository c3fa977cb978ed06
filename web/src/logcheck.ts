/**
 * Checks, in the browser, that a corridor's history is in the verifiable log: the signed tree
 * head's Ed25519 signature (WebCrypto, against the server's note key), then for each of the
 * corridor's entries its leaf hash and RFC 9162 inclusion proof up to that head. The Merkle and
 * note code is the server's own pure domain code (src/domain/log), not a re-implementation.
 */
import { decodeBase64, encodeUtf8, equalBytes, hashLeaf, parseCheckpoint, parseSignedNote, parseVerifierKey, sha256Js, verifyInclusion } from '../../src/domain/log/index.js';
import { getToken } from './api.js';

export interface LoggedEntry {
  readonly index: number;
  readonly time: string;
  readonly action: string;
  readonly actor: string;
  readonly included: boolean;
  readonly problem?: string;
}

export interface LogCheck {
  readonly origin: string;
  readonly size: number;
  /** null: the note carries no signature by the server's key. */
  readonly signatureValid: boolean | null;
  readonly entries: LoggedEntry[];
  /** The first index scanned (older entries are not searched on very long logs). */
  readonly scannedFrom: number;
}

const PAGE = 1000;
const MAX_SCAN = 20_000;

async function get(path: string): Promise<Response> {
  const token = getToken();
  const res = await fetch(`/api/v1${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return res;
}

async function verifyEd25519(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
  try {
    const key = await crypto.subtle.importKey('raw', publicKey as BufferSource, { name: 'Ed25519' }, false, ['verify']);
    return await crypto.subtle.verify({ name: 'Ed25519' }, key, signature as BufferSource, message as BufferSource);
  } catch {
    return false;
  }
}

/** Whether the log endpoints exist on this server. */
export async function logAvailable(): Promise<boolean> {
  try {
    await get('/log/key');
    return true;
  } catch {
    return false;
  }
}

export async function checkCorridorLog(corridorId: string): Promise<LogCheck> {
  const [noteText, vkeyText] = await Promise.all([get('/log/checkpoint').then((r) => r.text()), get('/log/key').then((r) => r.text())]);
  const note = parseSignedNote(noteText);
  const head = parseCheckpoint(note.body);
  const vkey = parseVerifierKey(vkeyText.trim(), sha256Js);
  const sig = note.signatures.find((s) => s.name === vkey.name && equalBytes(s.keyId, vkey.keyId));
  const signatureValid = sig ? await verifyEd25519(vkey.publicKey, encodeUtf8(note.body), sig.signature) : null;

  const subject = `corridor/${corridorId}`;
  const scannedFrom = Math.max(0, head.size - MAX_SCAN);
  const mine: { index: number; bytes: Uint8Array; fields: { time: string; action: string; actor: string } }[] = [];
  for (let start = scannedFrom; start < head.size; start += PAGE) {
    const end = Math.min(head.size, start + PAGE);
    const page = (await (await get(`/log/entries?start=${start}&end=${end}`)).json()) as { entries: { index: number; entry: string }[] };
    for (const e of page.entries) {
      const bytes = decodeBase64(e.entry);
      const fields = JSON.parse(new TextDecoder().decode(bytes)) as { subject: string; time: string; action: string; actor: string };
      if (fields.subject === subject) mine.push({ index: e.index, bytes, fields });
    }
  }
  const entries: LoggedEntry[] = [];
  for (const m of mine) {
    try {
      const proof = (await (await get(`/log/proof/inclusion?index=${m.index}&size=${head.size}`)).json()) as { proof: string[] };
      verifyInclusion(hashLeaf(m.bytes, sha256Js), m.index, head.size, proof.proof.map((p) => decodeBase64(p)), head.rootHash, sha256Js);
      entries.push({ index: m.index, ...m.fields, included: true });
    } catch (e) {
      entries.push({ index: m.index, ...m.fields, included: false, problem: e instanceof Error ? e.message : String(e) });
    }
  }
  return { origin: head.origin, size: head.size, signatureValid, entries, scannedFrom };
}
