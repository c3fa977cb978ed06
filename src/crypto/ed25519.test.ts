import { describe, it, expect } from 'vitest';
import {
  createSigner,
  generateKeyPair,
  privateKeyFromJwk,
  privateKeyToJwk,
  publicKeyFromJwk,
  publicKeyFromPrivate,
  publicKeyToJwk,
  sign,
  verify,
  weakPublicKey,
} from './ed25519.js';
import * as nodeCrypto from 'node:crypto';

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

// RFC 8032 §7.1, TEST 1 and TEST 2.
const T1 = {
  sk: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
  pk: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
  msg: '',
  sig: 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
};
const T2 = {
  sk: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
  pk: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
  msg: '72',
  sig: '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
};

describe('Ed25519', () => {
  it.each([T1, T2])('reproduces RFC 8032 vectors', (t) => {
    expect(toHex(publicKeyFromPrivate(hex(t.sk)))).toBe(t.pk);
    expect(toHex(sign(hex(t.sk), hex(t.msg)))).toBe(t.sig);
    expect(toHex(createSigner(hex(t.sk))(hex(t.msg)))).toBe(t.sig);
    expect(verify(hex(t.pk), hex(t.msg), hex(t.sig))).toBe(true);
  });

  it('round-trips generated keys and rejects tampering', () => {
    const { publicKey, privateKey } = generateKeyPair();
    expect(publicKey.length).toBe(32);
    expect(privateKey.length).toBe(32);
    expect(toHex(publicKeyFromPrivate(privateKey))).toBe(toHex(publicKey));
    const msg = Buffer.from('corridor 7, version 3');
    const sig = sign(privateKey, msg);
    expect(verify(publicKey, msg, sig)).toBe(true);
    const badSig = sig.slice();
    badSig[10] = badSig[10]! ^ 1;
    expect(verify(publicKey, msg, badSig)).toBe(false);
    expect(verify(publicKey, Buffer.from('corridor 7, version 4'), sig)).toBe(false);
    expect(verify(generateKeyPair().publicKey, msg, sig)).toBe(false);
    expect(verify(publicKey, msg, sig.subarray(0, 63))).toBe(false);
    expect(verify(publicKey.subarray(0, 31), msg, sig)).toBe(false);
    expect(verify(new Uint8Array(32).fill(0xff), msg, sig)).toBe(false);
  });

  it('converts to and from JWK (RFC 8037 A.1 key)', () => {
    const d = 'nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A';
    const x = '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo';
    const priv = privateKeyFromJwk({ kty: 'OKP', crv: 'Ed25519', d, x });
    expect(toHex(priv)).toBe(T1.sk);
    expect(privateKeyToJwk(priv)).toEqual({ kty: 'OKP', crv: 'Ed25519', d, x });
    expect(publicKeyToJwk(hex(T1.pk))).toEqual({ kty: 'OKP', crv: 'Ed25519', x });
    expect(toHex(publicKeyFromJwk({ kty: 'OKP', crv: 'Ed25519', x }))).toBe(T1.pk);
    expect(() => publicKeyFromJwk({ kty: 'EC', crv: 'P-256', x })).toThrow();
    expect(() => publicKeyFromJwk({ kty: 'OKP', crv: 'Ed25519', x: x.slice(1) })).toThrow();
    expect(() => privateKeyFromJwk({ kty: 'OKP', crv: 'Ed25519', d, x: publicKeyToJwk(hex(T2.pk)).x })).toThrow();
  });
});

describe('weak public keys (small order, or not on the curve)', () => {
  const hex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));
  // The eight points of order dividing 8, as encoded (libsodium's blocklist names the same ones).
  const SMALL_ORDER = [
    '0100000000000000000000000000000000000000000000000000000000000000', // identity
    'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // order 2
    '0000000000000000000000000000000000000000000000000000000000000000', // order 4
    '0000000000000000000000000000000000000000000000000000000000000080', // order 4
    '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', // order 8
    '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
    'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
    'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
  ];

  it('names every point of small order, and encodings that are no point', () => {
    for (const h of SMALL_ORDER) expect(weakPublicKey(hex(h)), h).toMatch(/small order/);
    expect(weakPublicKey(hex('edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'))).toMatch(/not a point/); // y = p
    expect(weakPublicKey(hex('ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff'))).toMatch(/not a point/); // x = 0 with the sign bit set
    expect(weakPublicKey(new Uint8Array(31))).toBe('not 32 bytes');
  });

  it('passes real keys', () => {
    for (let i = 0; i < 20; i++) expect(weakPublicKey(generateKeyPair().publicKey)).toBeUndefined();
  });

  it('verify refuses the forgery node:crypto accepts for the identity key', () => {
    const identity = hex(SMALL_ORDER[0] as string);
    const forged = new Uint8Array(64);
    forged[0] = 1; // R = identity, S = 0
    const spki = nodeCrypto.createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), identity]), format: 'der', type: 'spki' });
    const msg = new TextEncoder().encode('any terms at all');
    expect(nodeCrypto.verify(null, msg, spki, forged)).toBe(true);
    expect(verify(identity, msg, forged)).toBe(false);
  });
});
