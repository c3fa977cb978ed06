/**
 * The note formats with real Ed25519 (node:crypto), checked against the Go reference
 * implementation's published vector (golang.org/x/mod/sumdb/note, note_test.go).
 */
import { describe, it, expect } from 'vitest';
import { sha256 } from './sha256.js';
import { createSigner, generateKeyPair, publicKeyFromPrivate, verify } from './ed25519.js';
import {
  computeKeyId,
  cosignCheckpoint,
  createCosignatureVerifier,
  createEd25519NoteSigner,
  createVerifierFromKey,
  formatCheckpoint,
  formatSignedNote,
  formatSignerKey,
  formatVerifierKey,
  openCheckpoint,
  parseSignedNote,
  parseSignerKey,
  signNote,
  verifyNote,
} from '../domain/log/note.js';
import { LogError } from '../domain/log/log-error.js';

const VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const SIG_LINE = '— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';

describe('Go sumdb/note reference vector', () => {
  const skey = parseSignerKey(SKEY);
  const pub = publicKeyFromPrivate(skey.privateKey);

  it('derives the same verifier key, key ID and signer key', () => {
    expect(formatVerifierKey('PeterNeumann', pub, sha256)).toBe(VKEY);
    expect(Buffer.from(computeKeyId('PeterNeumann', 1, pub, sha256)).toString('hex')).toBe('c74f20a3');
    expect(Buffer.from(skey.keyId).toString('hex')).toBe('c74f20a3');
    expect(formatSignerKey('PeterNeumann', skey.privateKey, pub, sha256)).toBe(SKEY);
  });

  it('signs the note byte for byte as Go does', () => {
    const signer = createEd25519NoteSigner('PeterNeumann', pub, createSigner(skey.privateKey), sha256);
    expect(signNote(TEXT, [signer])).toBe(TEXT + '\n' + SIG_LINE);
  });

  it('verifies the published note and rejects a one-letter change', () => {
    const v = createVerifierFromKey(VKEY, verify, sha256);
    expect(verifyNote(TEXT + '\n' + SIG_LINE, [v]).body).toBe(TEXT);
    expect(() => verifyNote(TEXT.replace('cryptography', 'cryptographY') + '\n' + SIG_LINE, [v])).toThrow(LogError);
  });
});

describe('a log head signed by the server and cosigned by two parties', () => {
  it('round-trips and catches tampering', () => {
    const logKeys = generateKeyPair();
    const a = generateKeyPair();
    const b = generateKeyPair();
    const origin = 'passage.example/log';
    const body = formatCheckpoint({ origin, size: 1000, rootHash: sha256(Buffer.from('root')) });
    const logSigner = createEd25519NoteSigner(origin, logKeys.publicKey, createSigner(logKeys.privateKey), sha256);
    const served = signNote(body, [logSigner]);
    const cosA = cosignCheckpoint(body, { name: 'party-a.example', publicKey: a.publicKey, sign: createSigner(a.privateKey) }, 1_700_000_000, sha256);
    const cosB = cosignCheckpoint(body, { name: 'party-b.example', publicKey: b.publicKey, sign: createSigner(b.privateKey) }, 1_700_000_100, sha256);
    const full = formatSignedNote(body, [...parseSignedNote(served).signatures, cosA, cosB]);

    const log = createVerifierFromKey(formatVerifierKey(origin, logKeys.publicKey, sha256), verify, sha256);
    const va = createVerifierFromKey(formatVerifierKey('party-a.example', a.publicKey, sha256, 0x04), verify, sha256);
    const vb = createCosignatureVerifier('party-b.example', b.publicKey, verify, sha256);
    const opened = openCheckpoint(full, { log, cosigners: [va, vb], origin });
    expect(opened.checkpoint.size).toBe(1000);
    expect(opened.cosignatures.map((c) => [c.name, c.timestamp])).toEqual([
      ['party-a.example', 1_700_000_000],
      ['party-b.example', 1_700_000_100],
    ]);

    // Flip one bit anywhere in any signature: rejected.
    const sigStart = full.indexOf('\n\n') + 2;
    const lines = full.slice(sigStart).split('\n').filter(Boolean);
    for (const [li, l] of lines.entries()) {
      const b64 = l.slice(l.lastIndexOf(' ') + 1);
      const bytes = Buffer.from(b64, 'base64');
      for (const bit of [4 * 8 + 0, 4 * 8 + 7 * 8 + 3, bytes.length * 8 - 9]) {
        const m = Buffer.from(bytes);
        m[bit >> 3] = m[bit >> 3]! ^ (1 << (bit & 7));
        const tampered = full.replace(l, l.slice(0, l.lastIndexOf(' ') + 1) + m.toString('base64'));
        expect(() => openCheckpoint(tampered, { log, cosigners: [va, vb] }), `line ${li} bit ${bit}`).toThrow(LogError);
      }
    }
    // A head for another size, with the old signatures: rejected.
    const forged = full.replace('\n1000\n', '\n1001\n');
    expect(() => openCheckpoint(forged, { log, cosigners: [va, vb] })).toThrow(LogError);
  });
});
