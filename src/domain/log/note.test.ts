import { describe, it, expect } from 'vitest';
import {
  MAX_NOTE_SIGNATURES,
  SIG_TYPE_COSIGNATURE_V1,
  computeKeyId,
  cosignCheckpoint,
  cosignatureMessage,
  createCosignatureSigner,
  createCosignatureVerifier,
  createEd25519NoteSigner,
  createEd25519NoteVerifier,
  createVerifierFromKey,
  formatCheckpoint,
  formatSignatureLine,
  formatSignedNote,
  formatSignerKey,
  formatVerifierKey,
  openCheckpoint,
  otherLogOrigin,
  parseCheckpoint,
  parseCosignature,
  parseSignatureLine,
  parseSignedNote,
  parseSignerKey,
  parseVerifierKey,
  signNote,
  verifyNote,
  witnessCosignatures,
  type Ed25519Verify,
  type NoteSignature,
} from './note.js';
import { checkHeadsConsistent } from './heads.js';
import { sha256Js as sha } from './sha256-js.js';
import { LogError, type LogErrorCode } from './log-error.js';
import { concatBytes, decodeBase64, encodeBase64, encodeUtf8 } from './encoding.js';
import { EMPTY_FRONTIER, appendLeaf, assembleProof, consistencyProofNodes, frontierRoot, nodeKey, type Frontier } from './merkle.js';

/**
 * A stand-in for Ed25519 so these tests stay pure (real Ed25519 interop vectors live in
 * src/crypto/note-interop.test.ts): "signature" = SHA-256(key ‖ msg) ‖ SHA-256(msg ‖ key).
 */
const fakeSign = (key: Uint8Array) => (msg: Uint8Array) => concatBytes(sha(concatBytes(key, msg)), sha(concatBytes(msg, key)));
const fakeVerify: Ed25519Verify = (pub, msg, sig) => {
  const want = fakeSign(pub)(msg);
  return sig.length === 64 && want.every((b, i) => b === sig[i]);
};
const key = (label: string): Uint8Array => sha(encodeUtf8(label));

const expectCode = (f: () => unknown, code: LogErrorCode): void => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(LogError);
    expect((e as LogError).code).toBe(code);
    return;
  }
  throw new Error(`expected LogError ${code}, nothing was thrown`);
};

const ROOT = decodeBase64('CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=');
const SPEC_BODY = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';

describe('tlog-checkpoint text', () => {
  it('formats and parses the spec example', () => {
    expect(formatCheckpoint({ origin: 'example.com/behind-the-sofa', size: 20852163, rootHash: ROOT })).toBe(SPEC_BODY);
    const cp = parseCheckpoint(SPEC_BODY);
    expect(cp.origin).toBe('example.com/behind-the-sofa');
    expect(cp.size).toBe(20852163);
    expect(encodeBase64(cp.rootHash)).toBe('CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=');
    expect(cp.extensions).toEqual([]);
  });

  it('round-trips extension lines and size 0', () => {
    const body = formatCheckpoint({ origin: 'passage.example/log', size: 0, rootHash: sha(new Uint8Array(0)), extensions: ['ext one', 'x'] });
    expect(body).toBe('passage.example/log\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\next one\nx\n');
    expect(parseCheckpoint(body).extensions).toEqual(['ext one', 'x']);
  });

  it.each([
    ['no final newline', SPEC_BODY.slice(0, -1)],
    ['two lines', 'example.com/x\n5\n'],
    ['empty origin', '\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n'],
    ['leading zero', 'o\n05\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n'],
    ['negative size', 'o\n-5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n'],
    ['plus sign', 'o\n+5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n'],
    ['hex size', 'o\n0x5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n'],
    ['huge size', 'o\n18446744073709551616\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n'],
    ['short root', 'o\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxqw==\n'],
    ['non-canonical base64', 'o\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=\n'],
    ['unpadded base64', 'o\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n'],
    ['base64url', 'o\n5\nCsUYapGGPo4dkMgIAUqom_Xajj7h2fB2MPA3j2jxq2I=\n'],
    ['empty extension', SPEC_BODY + '\n'],
    ['carriage return', 'o\r\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n'],
  ])('rejects %s', (_, body) => expectCode(() => parseCheckpoint(body), 'checkpoint_malformed'));

  it('refuses to format bad heads', () => {
    expectCode(() => formatCheckpoint({ origin: 'a\nb', size: 1, rootHash: ROOT }), 'invalid_argument');
    expectCode(() => formatCheckpoint({ origin: 'o', size: 1.5, rootHash: ROOT }), 'invalid_argument');
    expectCode(() => formatCheckpoint({ origin: 'o', size: 1, rootHash: ROOT.subarray(1) }), 'invalid_argument');
    expectCode(() => formatCheckpoint({ origin: 'o', size: 1, rootHash: ROOT, extensions: [''] }), 'invalid_argument');
  });
});

describe('verifier keys', () => {
  const pub = key('log');
  it('round-trips and checks the key ID', () => {
    const vkey = formatVerifierKey('passage.example/log', pub, sha);
    const parsed = parseVerifierKey(vkey, sha);
    expect(parsed.name).toBe('passage.example/log');
    expect(parsed.sigType).toBe(0x01);
    expect(parsed.publicKey).toEqual(pub);
    expect(parsed.keyId).toEqual(computeKeyId('passage.example/log', 0x01, pub, sha));
    expect(vkey.split('+')[1]).toMatch(/^[0-9a-f]{8}$/);
    // Cosigner keys carry type 0x04 and a different key ID for the same name and key.
    const cvkey = formatVerifierKey('passage.example/log', pub, sha, SIG_TYPE_COSIGNATURE_V1);
    expect(parseVerifierKey(cvkey, sha).sigType).toBe(0x04);
    expect(cvkey.split('+')[1]).not.toBe(vkey.split('+')[1]);
  });

  it('rejects every truncation and every single-character change', () => {
    const vkey = formatVerifierKey('PeterNeumann', pub, sha);
    for (let i = 0; i <= vkey.length; i++) {
      for (let j = i + 1; j <= vkey.length; j++) {
        if (i !== 0 || j !== vkey.length) expect(() => parseVerifierKey(vkey.slice(i, j), sha), vkey.slice(i, j)).toThrow(LogError);
      }
    }
    for (let i = 0; i < vkey.length; i++) {
      const mangled = vkey.slice(0, i) + String.fromCharCode(vkey.charCodeAt(i) + 1) + vkey.slice(i + 1);
      expect(() => parseVerifierKey(mangled, sha), mangled).toThrow(LogError);
    }
  });

  it('rejects bad names, types and lengths', () => {
    expectCode(() => formatVerifierKey('has space', pub, sha), 'invalid_argument');
    expectCode(() => formatVerifierKey('has+plus', pub, sha), 'invalid_argument');
    expectCode(() => formatVerifierKey('', pub, sha), 'invalid_argument');
    expectCode(() => formatVerifierKey('nbsp\u00a0name', pub, sha), 'invalid_argument');
    const name = 'x';
    const wrongType = `${name}+${Array.from(computeKeyId(name, 2, pub, sha), (b) => b.toString(16).padStart(2, '0')).join('')}+${encodeBase64(concatBytes(Uint8Array.of(2), pub))}`;
    expectCode(() => parseVerifierKey(wrongType, sha), 'key_malformed');
  });

  it('signer keys round-trip', () => {
    const priv = key('secret');
    const skey = formatSignerKey('passage.example/log', priv, pub, sha);
    expect(skey.startsWith('PRIVATE+KEY+passage.example/log+')).toBe(true);
    const parsed = parseSignerKey(skey);
    expect(parsed.privateKey).toEqual(priv);
    expect(parsed.keyId).toEqual(computeKeyId('passage.example/log', 1, pub, sha));
    expectCode(() => parseSignerKey(skey.replace('PRIVATE+KEY+', '')), 'key_malformed');
  });
});

describe('signed-note format', () => {
  it('parses the spec example, whose text contains a blank line', () => {
    const text =
      'Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n\n' +
      '— quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n';
    const note = parseSignedNote(text);
    expect(note.body).toBe('Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n');
    expect(note.signatures).toHaveLength(1);
    expect(note.signatures[0]!.name).toBe('quasimodo.example/salvatore');
    expect(note.signatures[0]!.signature).toHaveLength(64);
    expect(formatSignedNote(note.body, note.signatures)).toBe(text);
  });

  const line = formatSignatureLine({ name: 'k', keyId: Uint8Array.of(1, 2, 3, 4), signature: new Uint8Array(64) });
  it.each([
    ['no final newline', 'text\n\n' + line.slice(0, -1)],
    ['no blank line', 'text\n' + line],
    ['no signatures', 'text\n\n'],
    ['hyphen instead of em dash', 'text\n\n' + line.replace('—', '-')],
    ['two spaces', 'text\n\n' + line.replace('— ', '—  ')],
    ['name with plus', 'text\n\n' + line.replace('— k ', '— k+1 ')],
    ['signature too short', 'text\n\n— k AQIDBA==\n'],
    ['bad base64', 'text\n\n— k AQIDBA*=\n'],
    ['control character', 'te\u0007xt\n\n' + line],
    ['tab', 'te\txt\n\n' + line],
    ['lone surrogate', 'te\ud800xt\n\n' + line],
    ['too many signatures', 'text\n\n' + line.repeat(MAX_NOTE_SIGNATURES + 1)],
  ])('rejects %s', (_, text) => expectCode(() => parseSignedNote(text), 'note_malformed'));

  it('splits at the LAST blank line, so anything above it is text, never a signature', () => {
    const n = parseSignedNote('text\n\n' + line + '\n' + line);
    expect(n.body).toBe('text\n\n' + line);
    expect(n.signatures).toHaveLength(1);
  });

  it('accepts the maximum number of signatures', () => {
    expect(parseSignedNote('text\n\n' + line.repeat(MAX_NOTE_SIGNATURES)).signatures).toHaveLength(MAX_NOTE_SIGNATURES);
  });
});

describe('signing and verifying notes', () => {
  const logPub = key('log');
  const otherPub = key('other');
  const logName = 'passage.example/log';
  const signer = createEd25519NoteSigner(logName, logPub, fakeSign(logPub), sha);
  const verifier = createEd25519NoteVerifier(logName, logPub, fakeVerify, sha);
  const otherSigner = createEd25519NoteSigner('other.example/key', otherPub, fakeSign(otherPub), sha);
  const otherVerifier = createEd25519NoteVerifier('other.example/key', otherPub, fakeVerify, sha);
  const body = formatCheckpoint({ origin: logName, size: 42, rootHash: ROOT });
  const note = signNote(body, [signer]);

  it('has the exact layout: text, blank line, "— name base64(keyID ‖ sig)"', () => {
    const sig = fakeSign(logPub)(encodeUtf8(body));
    expect(note).toBe(`${body}\n— ${logName} ${encodeBase64(concatBytes(computeKeyId(logName, 1, logPub, sha), sig))}\n`);
  });

  it('verifies, and reports signatures by unknown keys without trusting them', () => {
    const both = signNote(body, [signer, otherSigner]);
    const r = verifyNote(both, [verifier]);
    expect(r.body).toBe(body);
    expect(r.verified.map((s) => s.name)).toEqual([logName]);
    expect(r.unknown.map((s) => s.name)).toEqual(['other.example/key']);
    expect(verifyNote(both, [verifier, otherVerifier]).verified).toHaveLength(2);
  });

  it('a verifier key string builds the same verifier', () => {
    const v = createVerifierFromKey(formatVerifierKey(logName, logPub, sha), fakeVerify, sha);
    expect(verifyNote(note, [v]).verified).toHaveLength(1);
  });

  it('rejects a flipped bit in the signature', () => {
    const parsed = parseSignedNote(note);
    const s = parsed.signatures[0]!;
    for (const i of [0, 31, 63]) {
      const bad = s.signature.slice();
      bad[i] = bad[i]! ^ 0x01;
      expectCode(() => verifyNote(formatSignedNote(body, [{ ...s, signature: bad }]), [verifier]), 'signature_invalid');
    }
  });

  it('rejects an altered body', () => {
    for (const altered of [body.replace('42', '43'), body.replace(logName, 'passage.example/lag'), body + 'extension\n']) {
      expectCode(() => verifyNote(altered + note.slice(body.length), [verifier]), 'signature_invalid');
    }
  });

  it('ignores a signature under the wrong key name or key ID, so nothing verifies', () => {
    const s = parseSignedNote(note).signatures[0]!;
    const renamed: NoteSignature = { ...s, name: 'passage.example/other' };
    const wrongId: NoteSignature = { ...s, keyId: Uint8Array.of(s.keyId[0]! ^ 1, ...s.keyId.subarray(1)) };
    for (const sig of [renamed, wrongId]) {
      expectCode(() => verifyNote(formatSignedNote(body, [sig]), [verifier]), 'signature_missing');
    }
  });

  it('an unknown signature line does not hurt; a missing required key does', () => {
    const withJunk = note + formatSignatureLine({ name: 'stranger', keyId: Uint8Array.of(9, 9, 9, 9), signature: new Uint8Array(64) });
    expect(verifyNote(withJunk, [verifier]).unknown).toHaveLength(1);
    expectCode(() => verifyNote(note, [verifier, otherVerifier], { required: [otherVerifier] }), 'signature_missing');
    expectCode(() => verifyNote(note, [otherVerifier]), 'signature_missing');
  });

  it('one bad signature by a known key rejects the whole note', () => {
    const good = parseSignedNote(signNote(body, [signer, otherSigner])).signatures;
    const badOther = { ...good[1]!, signature: good[1]!.signature.map((b, i) => (i === 5 ? b ^ 4 : b)) };
    expectCode(() => verifyNote(formatSignedNote(body, [good[0]!, badOther]), [verifier, otherVerifier]), 'signature_invalid');
  });

  it('refuses two verifiers with the same name and key ID', () => {
    const twin = createEd25519NoteVerifier(logName, logPub, fakeVerify, sha);
    expectCode(() => verifyNote(note, [verifier, twin]), 'invalid_argument');
  });
});

describe('cosignatures (tlog-cosignature, cosignature/v1)', () => {
  const logPub = key('log');
  const witnessPub = key('witness');
  const logName = 'passage.example/log';
  const witness = { name: 'party-a.example/witness', publicKey: witnessPub, sign: fakeSign(witnessPub) };
  const log = createEd25519NoteVerifier(logName, logPub, fakeVerify, sha);
  const witnessVerifier = createCosignatureVerifier(witness.name, witnessPub, fakeVerify, sha);
  const body = formatCheckpoint({ origin: logName, size: 8, rootHash: ROOT });
  const T = 1679315147;

  it('signs exactly "cosignature/v1\\ntime <t>\\n" ‖ body and lays out keyID ‖ u64 BE time ‖ sig', () => {
    expect(new TextDecoder().decode(cosignatureMessage(body, T))).toBe(`cosignature/v1\ntime 1679315147\n${body}`);
    const sig = cosignCheckpoint(body, witness, T, sha);
    expect(sig.keyId).toEqual(sha(concatBytes(encodeUtf8(witness.name), Uint8Array.of(0x0a, 0x04), witnessPub)).slice(0, 4));
    expect(sig.signature).toHaveLength(72);
    expect(Array.from(sig.signature.subarray(0, 8))).toEqual([0, 0, 0, 0, 0x64, 0x18, 0x50, 0xcb]);
    expect(sig.signature.subarray(8)).toEqual(fakeSign(witnessPub)(cosignatureMessage(body, T)));
    expect(parseCosignature(sig.signature).timestamp).toBe(T);
  });

  it('a cosigned checkpoint opens with the log key and reports the cosignature time', () => {
    const logSig = parseSignedNote(signNote(body, [createEd25519NoteSigner(logName, logPub, fakeSign(logPub), sha)])).signatures[0]!;
    const text = formatSignedNote(body, [logSig, cosignCheckpoint(body, witness, T, sha)]);
    const opened = openCheckpoint(text, { log, cosigners: [witnessVerifier], origin: logName });
    expect(opened.checkpoint.size).toBe(8);
    expect(opened.cosignatures).toEqual([{ name: witness.name, keyId: witnessVerifier.keyId, timestamp: T }]);
    // Same via signNote with a cosignature signer.
    const text2 = signNote(body, [createEd25519NoteSigner(logName, logPub, fakeSign(logPub), sha), createCosignatureSigner(witness, T, sha)]);
    expect(text2).toBe(text);

    // Attacks.
    const cos = cosignCheckpoint(body, witness, T, sha);
    const laterTime = { ...cos, signature: concatBytes(Uint8Array.of(0, 0, 0, 0, 0x64, 0x18, 0x50, 0xcc), cos.signature.subarray(8)) };
    expectCode(() => openCheckpoint(formatSignedNote(body, [logSig, laterTime]), { log, cosigners: [witnessVerifier] }), 'signature_invalid');
    const flipped = { ...cos, signature: cos.signature.map((b, i) => (i === 40 ? b ^ 1 : b)) };
    expectCode(() => openCheckpoint(formatSignedNote(body, [logSig, flipped]), { log, cosigners: [witnessVerifier] }), 'signature_invalid');
    const truncated = { ...cos, signature: cos.signature.subarray(0, 71) };
    expectCode(() => openCheckpoint(formatSignedNote(body, [logSig, truncated]), { log, cosigners: [witnessVerifier] }), 'signature_invalid');
    // Without the log's own signature, cosignatures are not enough.
    expectCode(() => openCheckpoint(formatSignedNote(body, [cos]), { log, cosigners: [witnessVerifier] }), 'signature_missing');
    // A required cosigner that did not cosign.
    expectCode(() => openCheckpoint(formatSignedNote(body, [logSig]), { log, requiredCosigners: [witnessVerifier] }), 'signature_missing');
    // Wrong origin.
    expectCode(() => openCheckpoint(text, { log, origin: 'elsewhere.example/log' }), 'checkpoint_malformed');
  });

  it('a cosignature is not a note signature: key IDs differ by type, so a 0x01 verifier ignores it', () => {
    const asNoteVerifier = createEd25519NoteVerifier(witness.name, witnessPub, fakeVerify, sha);
    const text = formatSignedNote(body, [cosignCheckpoint(body, witness, T, sha)]);
    expectCode(() => verifyNote(text, [asNoteVerifier]), 'signature_missing');
    expect(verifyNote(text, [witnessVerifier]).verified[0]!.timestamp).toBe(T);
  });

  it('a cosignature over another checkpoint does not verify', () => {
    const other = formatCheckpoint({ origin: logName, size: 9, rootHash: ROOT });
    const cos = cosignCheckpoint(other, witness, T, sha);
    expectCode(() => verifyNote(formatSignedNote(body, [cos]), [witnessVerifier]), 'signature_invalid');
  });

  it('parses a single submitted signature line', () => {
    const cos = cosignCheckpoint(body, witness, T, sha);
    const parsed = parseSignatureLine(formatSignatureLine(cos));
    expect(parsed).toEqual(cos);
  });
});

describe('witness cosignatures on a checkpoint', () => {
  const logPub = key('log');
  const logName = 'passage.example/log';
  const body = formatCheckpoint({ origin: logName, size: 8, rootHash: ROOT });
  const logSig = parseSignedNote(signNote(body, [createEd25519NoteSigner(logName, logPub, fakeSign(logPub), sha)])).signatures[0]!;
  const witness = (party: string, label = party) => ({ name: `${logName}/witness/${party}`, publicKey: key(label), sign: fakeSign(key(label)) });
  const T = 1679315147;

  it('counts a repeated line, or a second line by the same key, once: the first is kept', () => {
    const ua = cosignCheckpoint(body, witness('ua'), T, sha);
    const uaLater = cosignCheckpoint(body, witness('ua'), T + 60, sha);
    const ru = cosignCheckpoint(body, witness('ru'), T, sha);
    const note = parseSignedNote(formatSignedNote(body, [logSig, ua, ru, ua, uaLater]));
    const { cosignatures, unknown } = witnessCosignatures(note, logName);
    expect(cosignatures.map((c) => c.partyId)).toEqual(['ua', 'ru']);
    expect(cosignatures[0]!.signature).toEqual(ua);
    expect(unknown).toEqual([]);
  });

  it('keeps a party’s lines made with two different keys apart, and names lines that are no witness’s', () => {
    const a = cosignCheckpoint(body, witness('ua', 'ua-key-1'), T, sha);
    const b = cosignCheckpoint(body, witness('ua', 'ua-key-2'), T, sha);
    const stranger = cosignCheckpoint(body, { name: 'elsewhere.example/witness', publicKey: key('s'), sign: fakeSign(key('s')) }, T, sha);
    const { cosignatures, unknown } = witnessCosignatures(parseSignedNote(formatSignedNote(body, [logSig, a, stranger, b, a])), logName);
    expect(cosignatures.map((c) => [c.partyId, c.signature])).toEqual([
      ['ua', a],
      ['ua', b],
    ]);
    expect(unknown).toEqual(['elsewhere.example/witness']);
  });
});

describe('heads of another log', () => {
  const body = formatCheckpoint({ origin: 'passage.example/other', size: 3, rootHash: ROOT });
  const signed = signNote(body, [createEd25519NoteSigner('passage.example/other', key('other'), fakeSign(key('other')), sha)]);

  it('tells a head its own log signed, under another origin, from a garbled one', () => {
    expect(otherLogOrigin(signed, 'passage.example/log')).toBe('passage.example/other');
    expect(otherLogOrigin(signed, 'passage.example/other')).toBeUndefined();
    // An origin no signature line names: a garbled head of this log, which simply does not verify.
    expect(otherLogOrigin(`x${signed}`, 'passage.example/other')).toBeUndefined();
    expect(otherLogOrigin('not a note', 'passage.example/log')).toBeUndefined();
  });
});

describe('comparing heads', () => {
  const build = (n: number, tamper = -1): { frontier: Frontier; nodes: Map<string, Uint8Array> } => {
    let frontier = EMPTY_FRONTIER;
    const nodes = new Map<string, Uint8Array>();
    for (let i = 0; i < n; i++) {
      const r = appendLeaf(frontier, sha(encodeUtf8(i === tamper ? 'evil' : `entry ${i}`)), sha);
      frontier = r.frontier;
      r.completed.forEach((c) => nodes.set(nodeKey(c), c.hash));
    }
    return { frontier, nodes };
  };
  const head = (size: number, tamper = -1) => ({ origin: 'o', size, rootHash: frontierRoot(build(size, tamper).frontier, sha) });
  const big = build(20);

  it('accepts a head that extends a seen one, in either order', () => {
    const proof = assembleProof(consistencyProofNodes(7, 20), big.nodes, sha);
    checkHeadsConsistent(head(7), head(20), proof, sha);
    checkHeadsConsistent(head(20), head(7), proof, sha);
    checkHeadsConsistent(head(20), head(20), [], sha);
  });

  it('flags a fork: same size, different root; or a head that cannot be shown to extend', () => {
    expectCode(() => checkHeadsConsistent(head(20), head(20, 3), [], sha), 'inconsistent_heads');
    const proof = assembleProof(consistencyProofNodes(7, 20), big.nodes, sha);
    expectCode(() => checkHeadsConsistent(head(7, 3), head(20), proof, sha), 'inconsistent_heads');
    const forked = build(20, 3);
    expectCode(() => checkHeadsConsistent(head(7), head(20, 3), assembleProof(consistencyProofNodes(7, 20), forked.nodes, sha), sha), 'inconsistent_heads');
    expectCode(() => checkHeadsConsistent(head(7), { ...head(20), origin: 'p' }, proof, sha), 'invalid_argument');
  });
});
