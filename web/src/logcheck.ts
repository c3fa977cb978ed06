/**
 * Checks, in the browser, that a corridor's history is in the verifiable log: the signed tree
 * head's Ed25519 signature (WebCrypto, against the server's note key), then for each of the
 * corridor's entries (served with their proofs by `GET /log/entries/by-subject`) its leaf hash
 * and RFC 9162 inclusion proof up to that head. The Merkle and note code is the server's own
 * pure domain code (src/domain/log), not a re-implementation.
 */
import { checkSubjectEntry, decodeBase64, entryFields, encodeUtf8, equalBytes, parseCheckpoint, parseSignedNote, parseVerifierKey, sha256Js } from '../../src/domain/log/index.js';
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
}

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

/** The server's note verifier key, or null when this server has no log endpoints. */
export async function logKey(): Promise<string | null> {
  try {
    return await (await get('/log/key')).text();
  } catch {
    return null;
  }
}

/** `vkeyText`: the key `logKey` gave (asked for once per check, not twice). */
export async function checkCorridorLog(corridorId: string, vkeyText: string): Promise<LogCheck> {
  const noteText = await (await get('/log/checkpoint')).text();
  const note = parseSignedNote(noteText);
  const head = parseCheckpoint(note.body);
  const vkey = parseVerifierKey(vkeyText.trim(), sha256Js);
  const sig = note.signatures.find((s) => s.name === vkey.name && equalBytes(s.keyId, vkey.keyId));
  const signatureValid = sig ? await verifyEd25519(vkey.publicKey, encodeUtf8(note.body), sig.signature) : null;

  // The corridor's entries with their proofs up to the head just verified, a page at a time
  // (`GET /log/entries/by-subject`): each is checked here, however long the log.
  const subject = `corridor/${corridorId}`;
  const entries: LoggedEntry[] = [];
  for (let start: number | null = 0; start !== null; ) {
    const page = (await (await get(`/log/entries/by-subject?subject=${encodeURIComponent(subject)}&size=${head.size}&start=${start}`)).json()) as { entries: { index: number; entry: string; proof: string[] }[]; next: number | null };
    for (const e of page.entries) {
      let bytes: Uint8Array = new Uint8Array(0);
      try {
        bytes = decodeBase64(e.entry);
        const fields = checkSubjectEntry({ index: e.index, entry: bytes, proof: e.proof.map((p) => decodeBase64(p)) }, subject, head, sha256Js);
        entries.push({ index: e.index, time: fields.time, action: fields.action, actor: fields.actor, included: true });
      } catch (err) {
        // What the bytes say of themselves, shown beside the failure (they may not even parse).
        const f = entryFields(new TextDecoder().decode(bytes));
        const shown = { time: f?.time ?? '', action: f?.action ?? '', actor: f?.actor ?? '' };
        entries.push({ index: e.index, ...shown, included: false, problem: err instanceof Error ? err.message : String(err) });
      }
    }
    if (page.next !== null && page.next <= start) throw new Error(`the server's next page (${page.next}) does not move on from ${start}`);
    start = page.next;
  }
  return { origin: head.origin, size: head.size, signatureValid, entries };
}
