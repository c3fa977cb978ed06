/**
 * C2SP text formats for tree heads:
 * - `signed-note`: a text ending in \n, a blank line, then signature lines
 *   "— <key name> <base64(4-byte key ID ‖ signature)>\n";
 * - `tlog-checkpoint`: the note text "<origin>\n<decimal size>\n<base64 root>\n[extensions\n]";
 * - `tlog-cosignature` (Ed25519, cosignature/v1): a witness signature over
 *   "cosignature/v1\ntime <unix seconds>\n" ‖ checkpoint text, carried as keyID ‖ u64 BE time ‖ sig.
 * Verifier keys are "<name>+<hex key ID>+<base64(type ‖ public key)>".
 *
 * Pure: SHA-256 and Ed25519 are passed in. Bodies are strings (UTF-8 on the wire).
 */
import { LogError } from './log-error.js';
import type { Sha256 } from './merkle.js';
import { HASH_SIZE } from './merkle.js';
import { concatBytes, decodeBase64, encodeBase64, encodeHex, encodeUtf8, equalBytes } from './encoding.js';

/** signed-note signature type for Ed25519 note signatures. */
export const SIG_TYPE_ED25519 = 0x01;
/** signed-note signature type for timestamped Ed25519 cosignatures (tlog-cosignature, cosignature/v1). */
export const SIG_TYPE_COSIGNATURE_V1 = 0x04;
export const SIGNATURE_TYPES = [SIG_TYPE_ED25519, SIG_TYPE_COSIGNATURE_V1] as const;
export type SignatureType = (typeof SIGNATURE_TYPES)[number];

/** We accept at most this many signature lines per note (the spec asks for at least 16). */
export const MAX_NOTE_SIGNATURES = 100;

export type Ed25519Verify = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean;
/** Signs with a private key the caller holds (e.g. `createSigner(priv)` from src/crypto). */
export type Ed25519Sign = (message: Uint8Array) => Uint8Array;

const EM_DASH = '\u2014';
const COSIGNATURE_HEADER = 'cosignature/v1\n';

// ---------------------------------------------------------------------------------------------
// Checkpoints.

export interface Checkpoint {
  readonly origin: string;
  readonly size: number;
  readonly rootHash: Uint8Array;
  readonly extensions?: readonly string[];
}

// Control characters other than \n are forbidden anywhere in a note; lone surrogates are not UTF-8.
const CONTROL = /[\u0000-\u0009\u000B-\u001F]/;
const LONE_SURROGATE = /\p{Surrogate}/u;

function checkLine(line: string, what: string, code: 'checkpoint_malformed' | 'invalid_argument'): void {
  if (line.length === 0) throw new LogError(code, `${what} is empty`);
  if (line.includes('\n') || CONTROL.test(line) || LONE_SURROGATE.test(line)) {
    throw new LogError(code, `${what} contains a newline, control character or invalid UTF-16`);
  }
}

/** The checkpoint note text: origin, decimal size, base64 root hash, optional extension lines; each ends in \n. */
export function formatCheckpoint(checkpoint: Checkpoint): string {
  const { origin, size, rootHash, extensions = [] } = checkpoint;
  checkLine(origin, 'checkpoint origin', 'invalid_argument');
  if (!Number.isSafeInteger(size) || size < 0) throw new LogError('invalid_argument', `checkpoint size ${String(size)} is not a non-negative safe integer`);
  if (!(rootHash instanceof Uint8Array) || rootHash.length !== HASH_SIZE) throw new LogError('invalid_argument', `checkpoint root hash must be ${HASH_SIZE} bytes`);
  extensions.forEach((e, i) => checkLine(e, `checkpoint extension line ${i + 1}`, 'invalid_argument'));
  return [origin, String(size), encodeBase64(rootHash), ...extensions].map((l) => l + '\n').join('');
}

/** Parses checkpoint note text strictly (canonical decimal, canonical base64, 32-byte root). */
export function parseCheckpoint(body: string): Checkpoint & { readonly extensions: readonly string[] } {
  if (typeof body !== 'string' || !body.endsWith('\n')) throw new LogError('checkpoint_malformed', 'checkpoint text must end with a newline');
  const lines = body.slice(0, -1).split('\n');
  if (lines.length < 3) throw new LogError('checkpoint_malformed', 'checkpoint needs origin, size and root hash lines');
  const [origin, sizeText, rootText, ...extensions] = lines as [string, string, string, ...string[]];
  checkLine(origin, 'checkpoint origin', 'checkpoint_malformed');
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText)) throw new LogError('checkpoint_malformed', `checkpoint size "${sizeText}" is not a canonical decimal`);
  const size = Number(sizeText);
  if (!Number.isSafeInteger(size)) throw new LogError('checkpoint_malformed', `checkpoint size ${sizeText} is too large`);
  const rootHash = decodeBase64(rootText, 'checkpoint_malformed', 'checkpoint root hash');
  if (rootHash.length !== HASH_SIZE) throw new LogError('checkpoint_malformed', `checkpoint root hash is ${rootHash.length} bytes, not ${HASH_SIZE}`);
  extensions.forEach((e, i) => checkLine(e, `checkpoint extension line ${i + 1}`, 'checkpoint_malformed'));
  return { origin, size, rootHash, extensions };
}

// ---------------------------------------------------------------------------------------------
// Keys.

/** Key names: non-empty, no Unicode spaces, no '+', no control characters. */
export function isValidKeyName(name: string): boolean {
  return (
    typeof name === 'string' &&
    name.length > 0 &&
    !/[\s+]/u.test(name) &&
    !CONTROL.test(name) &&
    !LONE_SURROGATE.test(name) &&
    !/[\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]/.test(name)
  );
}

function checkKeyName(name: string): void {
  if (!isValidKeyName(name)) throw new LogError('invalid_argument', `"${name}" is not a valid key name (non-empty, no spaces, no '+')`);
}

/** key ID = SHA-256(key name ‖ 0x0A ‖ signature type ‖ public key)[:4] */
export function computeKeyId(name: string, sigType: number, publicKey: Uint8Array, sha: Sha256): Uint8Array {
  return sha(concatBytes(encodeUtf8(name), Uint8Array.of(0x0a, sigType), publicKey)).slice(0, 4);
}

export interface VerifierKey {
  readonly name: string;
  readonly keyId: Uint8Array;
  readonly sigType: SignatureType;
  readonly publicKey: Uint8Array;
}

function checkPublicKey(sigType: number, publicKey: Uint8Array): asserts sigType is SignatureType {
  if (sigType !== SIG_TYPE_ED25519 && sigType !== SIG_TYPE_COSIGNATURE_V1) {
    throw new LogError('key_malformed', `unsupported signature type 0x${sigType.toString(16).padStart(2, '0')}`);
  }
  if (publicKey.length !== 32) throw new LogError('key_malformed', `Ed25519 public key must be 32 bytes, got ${publicKey.length}`);
}

/** "<name>+<hex key ID>+<base64(type ‖ public key)>"; type 0x01 for the log, 0x04 for a cosigner. */
export function formatVerifierKey(name: string, publicKey: Uint8Array, sha: Sha256, sigType: SignatureType = SIG_TYPE_ED25519): string {
  checkKeyName(name);
  checkPublicKey(sigType, publicKey);
  const id = computeKeyId(name, sigType, publicKey, sha);
  return `${name}+${encodeHex(id)}+${encodeBase64(concatBytes(Uint8Array.of(sigType), publicKey))}`;
}

function splitKey(text: string, what: string): [string, string, string] {
  const a = text.indexOf('+');
  const b = a < 0 ? -1 : text.indexOf('+', a + 1);
  if (a < 0 || b < 0) throw new LogError('key_malformed', `${what} is not name+keyid+key`);
  return [text.slice(0, a), text.slice(a + 1, b), text.slice(b + 1)];
}

function parseKeyId(hexText: string, what: string): Uint8Array {
  if (!/^[0-9a-fA-F]{8}$/.test(hexText)) throw new LogError('key_malformed', `${what} key ID "${hexText}" is not 8 hex digits`);
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) out[i] = parseInt(hexText.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Parses and checks a verifier key: name, key ID (must match the key), type and key length. */
export function parseVerifierKey(vkey: string, sha: Sha256): VerifierKey {
  if (typeof vkey !== 'string') throw new LogError('key_malformed', 'verifier key is not a string');
  const [name, idText, keyText] = splitKey(vkey, 'verifier key');
  if (!isValidKeyName(name)) throw new LogError('key_malformed', `verifier key name "${name}" is not valid`);
  const keyId = parseKeyId(idText, 'verifier key');
  const raw = decodeBase64(keyText, 'key_malformed', 'verifier key');
  if (raw.length < 1) throw new LogError('key_malformed', 'verifier key has no type byte');
  const sigType = raw[0]!;
  const publicKey = raw.slice(1);
  checkPublicKey(sigType, publicKey);
  if (!equalBytes(computeKeyId(name, sigType, publicKey, sha), keyId)) {
    throw new LogError('key_malformed', `verifier key ID ${idText} does not match name and key`);
  }
  return { name, keyId, sigType, publicKey };
}

export interface SignerKey {
  readonly name: string;
  readonly keyId: Uint8Array;
  readonly sigType: SignatureType;
  /** The 32-byte Ed25519 private key (RFC 8032 seed). */
  readonly privateKey: Uint8Array;
}

/** "PRIVATE+KEY+<name>+<hex key ID>+<base64(type ‖ private key)>", the Go sumdb/note signer key form. */
export function formatSignerKey(name: string, privateKey: Uint8Array, publicKey: Uint8Array, sha: Sha256, sigType: SignatureType = SIG_TYPE_ED25519): string {
  checkKeyName(name);
  checkPublicKey(sigType, publicKey);
  if (privateKey.length !== 32) throw new LogError('invalid_argument', 'Ed25519 private key must be 32 bytes');
  const id = computeKeyId(name, sigType, publicKey, sha);
  return `PRIVATE+KEY+${name}+${encodeHex(id)}+${encodeBase64(concatBytes(Uint8Array.of(sigType), privateKey))}`;
}

/**
 * Parses a signer key. The key ID cannot be checked without deriving the public key: callers
 * should compare `keyId` with `computeKeyId(name, sigType, derivedPublicKey, sha)`.
 */
export function parseSignerKey(skey: string): SignerKey {
  const prefix = 'PRIVATE+KEY+';
  if (typeof skey !== 'string' || !skey.startsWith(prefix)) throw new LogError('key_malformed', 'signer key must start with PRIVATE+KEY+');
  const [name, idText, keyText] = splitKey(skey.slice(prefix.length), 'signer key');
  if (!isValidKeyName(name)) throw new LogError('key_malformed', `signer key name "${name}" is not valid`);
  const keyId = parseKeyId(idText, 'signer key');
  const raw = decodeBase64(keyText, 'key_malformed', 'signer key');
  if (raw.length !== 33) throw new LogError('key_malformed', 'signer key must be a type byte and 32 key bytes');
  const sigType = raw[0]!;
  checkPublicKey(sigType, new Uint8Array(32));
  return { name, keyId, sigType, privateKey: raw.slice(1) };
}

// ---------------------------------------------------------------------------------------------
// Signed notes.

export interface NoteSignature {
  readonly name: string;
  readonly keyId: Uint8Array;
  /** The signature bytes after the 4-byte key ID (for cosignatures: u64 BE timestamp ‖ 64-byte sig). */
  readonly signature: Uint8Array;
}

export interface SignedNote {
  /** The note text, including its final newline, excluding the blank separator line. */
  readonly body: string;
  readonly signatures: readonly NoteSignature[];
}

export function formatSignatureLine(sig: NoteSignature): string {
  checkKeyName(sig.name);
  if (sig.keyId.length !== 4) throw new LogError('invalid_argument', 'key ID must be 4 bytes');
  if (sig.signature.length < 1) throw new LogError('invalid_argument', 'signature is empty');
  return `${EM_DASH} ${sig.name} ${encodeBase64(concatBytes(sig.keyId, sig.signature))}\n`;
}

function checkBody(body: string, code: 'note_malformed' | 'invalid_argument'): void {
  if (typeof body !== 'string' || !body.endsWith('\n')) throw new LogError(code, 'note text must end with a newline');
  if (CONTROL.test(body) || LONE_SURROGATE.test(body)) throw new LogError(code, 'note text contains a control character or invalid UTF-16');
}

/** body ‖ "\n" ‖ signature lines. */
export function formatSignedNote(body: string, signatures: readonly NoteSignature[]): string {
  checkBody(body, 'invalid_argument');
  if (signatures.length === 0) throw new LogError('invalid_argument', 'a signed note needs at least one signature');
  return body + '\n' + signatures.map(formatSignatureLine).join('');
}

/** Parses one "— name base64\n" line (the trailing newline is optional here). */
export function parseSignatureLine(line: string): NoteSignature {
  const l = line.endsWith('\n') ? line.slice(0, -1) : line;
  if (!l.startsWith(EM_DASH + ' ')) throw new LogError('note_malformed', 'signature line must start with an em dash and a space');
  const rest = l.slice(2);
  const sp = rest.indexOf(' ');
  if (sp < 0) throw new LogError('note_malformed', 'signature line needs a key name and a signature');
  const name = rest.slice(0, sp);
  if (!isValidKeyName(name)) throw new LogError('note_malformed', `signature key name "${name}" is not valid`);
  const bytes = decodeBase64(rest.slice(sp + 1), 'note_malformed', `signature by ${name}`);
  if (bytes.length < 5) throw new LogError('note_malformed', `signature by ${name} is too short`);
  return { name, keyId: bytes.slice(0, 4), signature: bytes.slice(4) };
}

/** Splits a signed note into its text and signatures. Does not verify anything. */
export function parseSignedNote(text: string): SignedNote {
  if (typeof text !== 'string') throw new LogError('note_malformed', 'note is not a string');
  if (!text.endsWith('\n')) throw new LogError('note_malformed', 'note must end with a newline');
  if (CONTROL.test(text) || LONE_SURROGATE.test(text)) throw new LogError('note_malformed', 'note contains a control character or invalid UTF-16');
  const split = text.lastIndexOf('\n\n');
  if (split < 0) throw new LogError('note_malformed', 'note has no blank line before its signatures');
  const body = text.slice(0, split + 1);
  const lines = text.slice(split + 2, -1).split('\n');
  if (lines.length > MAX_NOTE_SIGNATURES) throw new LogError('note_malformed', `note has more than ${MAX_NOTE_SIGNATURES} signatures`);
  return { body, signatures: lines.map(parseSignatureLine) };
}

// ---------------------------------------------------------------------------------------------
// Signers and verifiers.

export interface NoteSigner {
  readonly name: string;
  readonly keyId: Uint8Array;
  /** Returns the signature bytes that follow the key ID. */
  sign(body: string): Uint8Array;
}

export interface NoteVerifier {
  readonly name: string;
  readonly keyId: Uint8Array;
  readonly sigType: SignatureType;
  readonly publicKey: Uint8Array;
  /** True iff `signature` (the bytes after the key ID) is valid for `body`. */
  verify(body: string, signature: Uint8Array): boolean;
}

/** A signer of plain Ed25519 note signatures (type 0x01), e.g. the log's own key. */
export function createEd25519NoteSigner(name: string, publicKey: Uint8Array, sign: Ed25519Sign, sha: Sha256): NoteSigner {
  checkKeyName(name);
  checkPublicKey(SIG_TYPE_ED25519, publicKey);
  return { name, keyId: computeKeyId(name, SIG_TYPE_ED25519, publicKey, sha), sign: (body) => sign(encodeUtf8(body)) };
}

export function createEd25519NoteVerifier(name: string, publicKey: Uint8Array, verify: Ed25519Verify, sha: Sha256): NoteVerifier {
  checkKeyName(name);
  checkPublicKey(SIG_TYPE_ED25519, publicKey);
  const pub = publicKey.slice();
  return {
    name,
    keyId: computeKeyId(name, SIG_TYPE_ED25519, pub, sha),
    sigType: SIG_TYPE_ED25519,
    publicKey: pub,
    verify: (body, signature) => signature.length === 64 && verify(pub, encodeUtf8(body), signature),
  };
}

/** Signs the note text with every signer and formats the signed note. */
export function signNote(body: string, signers: readonly NoteSigner[]): string {
  checkBody(body, 'invalid_argument');
  return formatSignedNote(
    body,
    signers.map((s) => ({ name: s.name, keyId: s.keyId, signature: s.sign(body) })),
  );
}

// ---------------------------------------------------------------------------------------------
// Cosignatures (tlog-cosignature, Ed25519 cosignature/v1).

const MAX_TIMESTAMP = Number.MAX_SAFE_INTEGER;

/** "cosignature/v1\ntime <timestamp>\n" ‖ checkpoint text: the bytes a cosigner signs. */
export function cosignatureMessage(body: string, timestamp: number): Uint8Array {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new LogError('invalid_argument', `cosignature timestamp ${String(timestamp)} is not a non-negative safe integer`);
  return encodeUtf8(`${COSIGNATURE_HEADER}time ${timestamp}\n${body}`);
}

function encodeU64(n: number): Uint8Array {
  const out = new Uint8Array(8);
  const view = new DataView(out.buffer);
  view.setUint32(0, Math.floor(n / 2 ** 32));
  view.setUint32(4, n % 2 ** 32);
  return out;
}

/** Splits cosignature bytes (after the key ID) into timestamp and Ed25519 signature. */
export function parseCosignature(signature: Uint8Array): { timestamp: number; signature: Uint8Array } {
  if (signature.length !== 8 + 64) throw new LogError('signature_invalid', `cosignature must be 72 bytes after the key ID, got ${signature.length}`);
  const view = new DataView(signature.buffer, signature.byteOffset, 8);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  // Timestamps must not exceed 2^63 - 1; we also reject anything past 2^53 seconds (the far future).
  const timestamp = hi * 2 ** 32 + lo;
  if (!Number.isSafeInteger(timestamp) || timestamp > MAX_TIMESTAMP) throw new LogError('signature_invalid', 'cosignature timestamp is out of range');
  return { timestamp, signature: signature.slice(8) };
}

export interface Cosigner {
  readonly name: string;
  readonly publicKey: Uint8Array;
  readonly sign: Ed25519Sign;
}

/** A cosignature over a checkpoint text at `timestamp` (POSIX seconds, from the caller's clock). */
export function cosignCheckpoint(body: string, cosigner: Cosigner, timestamp: number, sha: Sha256): NoteSignature {
  checkBody(body, 'invalid_argument');
  checkKeyName(cosigner.name);
  checkPublicKey(SIG_TYPE_COSIGNATURE_V1, cosigner.publicKey);
  const sig = cosigner.sign(cosignatureMessage(body, timestamp));
  if (sig.length !== 64) throw new LogError('invalid_argument', 'Ed25519 signature must be 64 bytes');
  return {
    name: cosigner.name,
    keyId: computeKeyId(cosigner.name, SIG_TYPE_COSIGNATURE_V1, cosigner.publicKey, sha),
    signature: concatBytes(encodeU64(timestamp), sig),
  };
}

/** A NoteSigner that cosigns at a fixed timestamp (for use with signNote). */
export function createCosignatureSigner(cosigner: Cosigner, timestamp: number, sha: Sha256): NoteSigner {
  checkKeyName(cosigner.name);
  checkPublicKey(SIG_TYPE_COSIGNATURE_V1, cosigner.publicKey);
  return {
    name: cosigner.name,
    keyId: computeKeyId(cosigner.name, SIG_TYPE_COSIGNATURE_V1, cosigner.publicKey, sha),
    sign: (body) => cosignCheckpoint(body, cosigner, timestamp, sha).signature,
  };
}

export function createCosignatureVerifier(name: string, publicKey: Uint8Array, verify: Ed25519Verify, sha: Sha256): NoteVerifier {
  checkKeyName(name);
  checkPublicKey(SIG_TYPE_COSIGNATURE_V1, publicKey);
  const pub = publicKey.slice();
  return {
    name,
    keyId: computeKeyId(name, SIG_TYPE_COSIGNATURE_V1, pub, sha),
    sigType: SIG_TYPE_COSIGNATURE_V1,
    publicKey: pub,
    verify(body, signature) {
      let parsed: { timestamp: number; signature: Uint8Array };
      try {
        parsed = parseCosignature(signature);
      } catch {
        return false;
      }
      return verify(pub, cosignatureMessage(body, parsed.timestamp), parsed.signature);
    },
  };
}

/** A verifier from a verifier key string, by its type byte (0x01 note signature, 0x04 cosignature). */
export function createVerifierFromKey(vkey: string, verify: Ed25519Verify, sha: Sha256): NoteVerifier {
  const k = parseVerifierKey(vkey, sha);
  return k.sigType === SIG_TYPE_ED25519
    ? createEd25519NoteVerifier(k.name, k.publicKey, verify, sha)
    : createCosignatureVerifier(k.name, k.publicKey, verify, sha);
}

/** Verifiers from verifier key strings (e.g. the pinned log key and each party's cosigner key). */
export function createVerifiersFromKeys(vkeys: readonly string[], verify: Ed25519Verify, sha: Sha256): NoteVerifier[] {
  return vkeys.map((k) => createVerifierFromKey(k, verify, sha));
}

// ---------------------------------------------------------------------------------------------
// Verification.

export interface VerifiedSignature extends NoteSignature {
  readonly verifier: NoteVerifier;
  /** For cosignatures, the time the cosigner vouched for the head (POSIX seconds). */
  readonly timestamp?: number;
}

export interface VerifiedNote {
  readonly body: string;
  /** Signatures by known keys; every one of them verified. */
  readonly verified: readonly VerifiedSignature[];
  /** Signatures whose (name, key ID) matched no known key: ignored, as the spec requires. */
  readonly unknown: readonly NoteSignature[];
}

export interface VerifyNoteOptions {
  /** Verifiers that must each have signed (default: at least one known verifier must have). */
  readonly required?: readonly NoteVerifier[];
}

function verifierKey(name: string, keyId: Uint8Array): string {
  return `${name} ${encodeHex(keyId)}`;
}

/** Checks one signature against one verifier: names, key IDs and bytes. */
export function verifySignature(body: string, sig: NoteSignature, verifier: NoteVerifier): VerifiedSignature {
  if (sig.name !== verifier.name || !equalBytes(sig.keyId, verifier.keyId)) {
    throw new LogError('signature_invalid', `signature by ${sig.name}+${encodeHex(sig.keyId)} is not from key ${verifier.name}+${encodeHex(verifier.keyId)}`);
  }
  if (!verifier.verify(body, sig.signature)) {
    throw new LogError('signature_invalid', `signature by ${sig.name} does not verify`);
  }
  const timestamp = verifier.sigType === SIG_TYPE_COSIGNATURE_V1 ? parseCosignature(sig.signature).timestamp : undefined;
  return timestamp === undefined ? { ...sig, verifier } : { ...sig, verifier, timestamp };
}

/**
 * Opens a signed note per C2SP signed-note: signatures from unknown keys are ignored; a
 * signature from a known key that fails rejects the whole note (`signature_invalid`); if no
 * known key signed, or a required one did not, the note is rejected (`signature_missing`).
 */
export function verifyNote(text: string, verifiers: readonly NoteVerifier[], options: VerifyNoteOptions = {}): VerifiedNote {
  const known = new Map<string, NoteVerifier>();
  for (const v of verifiers) {
    const k = verifierKey(v.name, v.keyId);
    if (known.has(k) && known.get(k) !== v) throw new LogError('invalid_argument', `two verifiers share name and key ID ${k}`);
    known.set(k, v);
  }
  const note = parseSignedNote(text);
  const verified: VerifiedSignature[] = [];
  const unknown: NoteSignature[] = [];
  for (const sig of note.signatures) {
    const v = known.get(verifierKey(sig.name, sig.keyId));
    if (v === undefined) unknown.push(sig);
    else verified.push(verifySignature(note.body, sig, v));
  }
  if (verified.length === 0) throw new LogError('signature_missing', 'no signature by a known key');
  for (const r of options.required ?? []) {
    if (!verified.some((s) => s.verifier === r || (s.name === r.name && equalBytes(s.keyId, r.keyId)))) {
      throw new LogError('signature_missing', `no signature by required key ${r.name}+${encodeHex(r.keyId)}`);
    }
  }
  return { body: note.body, verified, unknown };
}

export interface OpenCheckpointOptions {
  /** The log's key, pinned out of band. Its signature is required. */
  readonly log: NoteVerifier;
  /** Known cosigners; their cosignatures are verified if present. */
  readonly cosigners?: readonly NoteVerifier[];
  /** Cosigners that must have cosigned. */
  readonly requiredCosigners?: readonly NoteVerifier[];
  /** If set, the checkpoint's origin must equal this. */
  readonly origin?: string;
}

export interface OpenedCheckpoint {
  readonly checkpoint: Checkpoint & { readonly extensions: readonly string[] };
  readonly body: string;
  readonly cosignatures: readonly { readonly name: string; readonly keyId: Uint8Array; readonly timestamp: number }[];
  readonly unknown: readonly NoteSignature[];
}

/** Verifies a checkpoint note: the log's signature, any known cosignatures, then parses the body. */
export function openCheckpoint(text: string, options: OpenCheckpointOptions): OpenedCheckpoint {
  const cosigners = options.cosigners ?? [];
  const required = options.requiredCosigners ?? [];
  const note = verifyNote(text, [options.log, ...cosigners, ...required.filter((r) => !cosigners.includes(r))], { required: [options.log, ...required] });
  const checkpoint = parseCheckpoint(note.body);
  if (options.origin !== undefined && checkpoint.origin !== options.origin) {
    throw new LogError('checkpoint_malformed', `checkpoint origin "${checkpoint.origin}" is not "${options.origin}"`);
  }
  const cosignatures = note.verified
    .filter((s) => s.timestamp !== undefined)
    .map((s) => ({ name: s.name, keyId: s.keyId, timestamp: s.timestamp! }));
  return { checkpoint, body: note.body, cosignatures, unknown: note.unknown };
}

/** The cosigner key name of a party of a log: what its witness puts in its signature lines. */
export function cosignerName(origin: string, partyId: string): string {
  return `${origin}/witness/${partyId}`;
}

/** A witness's cosignature line of a checkpoint, with the party it names. */
export interface WitnessCosignature {
  readonly partyId: string;
  readonly signature: NoteSignature;
}

/**
 * The witness cosignatures on a checkpoint note of log `origin` — lines named
 * `<origin>/witness/<party>` — once per party and key: a line repeated, or another line by the same
 * key, counts once (the first is kept, as Go's note.Open skips a key's repeated signatures), so a
 * note cannot make one witness look like two. Also the names of lines that are neither the log's
 * own nor a witness's. Verifies nothing.
 */
export function witnessCosignatures(note: SignedNote, origin: string): { cosignatures: WitnessCosignature[]; unknown: string[] } {
  const prefix = `${origin}/witness/`;
  const seen = new Set<string>();
  const cosignatures: WitnessCosignature[] = [];
  const unknown: string[] = [];
  for (const sig of note.signatures) {
    if (sig.name === origin) continue;
    if (!sig.name.startsWith(prefix)) {
      unknown.push(sig.name);
      continue;
    }
    const key = verifierKey(sig.name, sig.keyId);
    if (seen.has(key)) continue;
    seen.add(key);
    cosignatures.push({ partyId: sig.name.slice(prefix.length), signature: sig });
  }
  return { cosignatures, unknown };
}

/**
 * The origin of a checkpoint note that is a head of another log than `keyName`'s (a log's key name
 * is its origin, C2SP tlog-checkpoint): one whose origin differs and that carries a signature line
 * under its own origin's name, as its log signs it. Undefined for a head of this log, for one that
 * is no checkpoint, and for a garbled one (an origin no signature names): those simply do not
 * verify. Read before any signature is checked: what tells "a head of another log" from "a head
 * that does not verify".
 */
export function otherLogOrigin(text: string, keyName: string): string | undefined {
  let note: SignedNote;
  let origin: string;
  try {
    note = parseSignedNote(text);
    origin = parseCheckpoint(note.body).origin;
  } catch {
    return undefined;
  }
  return origin !== keyName && note.signatures.some((s) => s.name === origin) ? origin : undefined;
}
