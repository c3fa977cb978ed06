/**
 * Ed25519 (RFC 8032) on node:crypto with raw 32-byte keys, and raw ⇄ JWK (RFC 8037, OKP).
 * Private keys are the 32-byte seed (RFC 8032 "secret key"), as in JWK `d`.
 */
import * as nodeCrypto from 'node:crypto';
import type { KeyObject } from 'node:crypto';

export interface Ed25519KeyPair {
  readonly publicKey: Uint8Array;
  readonly privateKey: Uint8Array;
}

export interface Ed25519PublicJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
}

export interface Ed25519PrivateJwk extends Ed25519PublicJwk {
  d: string;
}

// DER prefixes of SubjectPublicKeyInfo and PKCS#8 for id-Ed25519 (RFC 8410).
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

function checkLength(bytes: Uint8Array, n: number, what: string): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== n) {
    throw new TypeError(`${what} must be ${n} bytes`);
  }
}

function publicKeyObject(pub: Uint8Array): KeyObject {
  checkLength(pub, 32, 'Ed25519 public key');
  return nodeCrypto.createPublicKey({ key: Buffer.concat([SPKI_PREFIX, pub]), format: 'der', type: 'spki' });
}

function privateKeyObject(priv: Uint8Array): KeyObject {
  checkLength(priv, 32, 'Ed25519 private key');
  return nodeCrypto.createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, priv]), format: 'der', type: 'pkcs8' });
}

function rawPublic(key: KeyObject): Uint8Array {
  const der = key.export({ format: 'der', type: 'spki' });
  return new Uint8Array(der.subarray(der.length - 32));
}

function rawPrivate(key: KeyObject): Uint8Array {
  const der = key.export({ format: 'der', type: 'pkcs8' });
  return new Uint8Array(der.subarray(der.length - 32));
}

// Verification loops check many signatures by few keys: keep parsed public keys.
const PUBLIC_CACHE_LIMIT = 256;
const publicCache = new Map<string, KeyObject>();

function cachedPublicKey(pub: Uint8Array): KeyObject {
  const k = Buffer.from(pub.buffer, pub.byteOffset, pub.byteLength).toString('base64');
  let key = publicCache.get(k);
  if (key === undefined) {
    key = publicKeyObject(pub);
    if (publicCache.size >= PUBLIC_CACHE_LIMIT) publicCache.delete(publicCache.keys().next().value!);
    publicCache.set(k, key);
  }
  return key;
}

export function generateKeyPair(): Ed25519KeyPair {
  const { publicKey, privateKey } = nodeCrypto.generateKeyPairSync('ed25519');
  return { publicKey: rawPublic(publicKey), privateKey: rawPrivate(privateKey) };
}

/** The public key of a 32-byte private key (seed). */
export function publicKeyFromPrivate(priv: Uint8Array): Uint8Array {
  return rawPublic(nodeCrypto.createPublicKey(privateKeyObject(priv)));
}

/** A 64-byte Ed25519 signature (deterministic, RFC 8032). */
export function sign(priv: Uint8Array, msg: Uint8Array): Uint8Array {
  return new Uint8Array(nodeCrypto.sign(null, msg, privateKeyObject(priv)));
}

/** Returns a signing function bound to one key, parsing the key once. */
export function createSigner(priv: Uint8Array): (msg: Uint8Array) => Uint8Array {
  const key = privateKeyObject(priv);
  return (msg) => new Uint8Array(nodeCrypto.sign(null, msg, key));
}

/** True iff `sig` is a valid signature of `msg` by `pub`. Malformed keys or signatures give false. */
export function verify(pub: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean {
  if (!(pub instanceof Uint8Array) || pub.length !== 32) return false;
  if (!(sig instanceof Uint8Array) || sig.length !== 64) return false;
  let key: KeyObject;
  try {
    key = cachedPublicKey(pub);
  } catch {
    return false;
  }
  try {
    return nodeCrypto.verify(null, msg, key, sig);
  } catch {
    return false;
  }
}

function b64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

function fromB64url(text: unknown, what: string): Uint8Array {
  if (typeof text !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(text)) throw new TypeError(`JWK ${what} is not 32 bytes of base64url`);
  const bytes = new Uint8Array(Buffer.from(text, 'base64url'));
  if (b64url(bytes) !== text) throw new TypeError(`JWK ${what} is not canonical base64url`);
  return bytes;
}

export function publicKeyToJwk(pub: Uint8Array): Ed25519PublicJwk {
  checkLength(pub, 32, 'Ed25519 public key');
  return { kty: 'OKP', crv: 'Ed25519', x: b64url(pub) };
}

/** The private JWK includes `x`, derived from `d`. */
export function privateKeyToJwk(priv: Uint8Array): Ed25519PrivateJwk {
  return { kty: 'OKP', crv: 'Ed25519', x: b64url(publicKeyFromPrivate(priv)), d: b64url(priv) };
}

function checkOkp(jwk: unknown): Record<string, unknown> {
  if (typeof jwk !== 'object' || jwk === null) throw new TypeError('JWK is not an object');
  const j = jwk as Record<string, unknown>;
  if (j['kty'] !== 'OKP' || j['crv'] !== 'Ed25519') throw new TypeError('JWK is not kty OKP, crv Ed25519');
  return j;
}

export function publicKeyFromJwk(jwk: unknown): Uint8Array {
  return fromB64url(checkOkp(jwk)['x'], 'x');
}

/** Reads `d`; if `x` is present it must match the key derived from `d`. */
export function privateKeyFromJwk(jwk: unknown): Uint8Array {
  const j = checkOkp(jwk);
  const priv = fromB64url(j['d'], 'd');
  if (j['x'] !== undefined) {
    const x = fromB64url(j['x'], 'x');
    if (!Buffer.from(x).equals(Buffer.from(publicKeyFromPrivate(priv)))) throw new TypeError('JWK x does not match d');
  }
  return priv;
}
