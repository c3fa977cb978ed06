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

// ---- weak public keys -------------------------------------------------------------------
// A public key of small order (the identity, a point of order 2, 4 or 8) verifies forged
// signatures: with A = identity, R = identity and S = 0 satisfy [S]B = R + [k]A for every
// message, so "anyone" can sign for such a key (node:crypto, like RFC 8032's cofactorless check,
// accepts them). RFC 8032 decodes keys but does not refuse these; libsodium and others do. The
// check is [8]A = identity on the decoded point, in BigInt affine arithmetic (written here: no
// library in use exposes curve points, and it runs once per key, not per signature). Encodings
// that do not decode (y ≥ p, no square root) are refused too.

const P = 2n ** 255n - 19n;
const modP = (a: bigint): bigint => ((a % P) + P) % P;
function powP(b: bigint, e: bigint): bigint {
  let r = 1n;
  let x = modP(b);
  while (e > 0n) {
    if (e & 1n) r = (r * x) % P;
    x = (x * x) % P;
    e >>= 1n;
  }
  return r;
}
const invP = (a: bigint): bigint => powP(a, P - 2n);
const D = modP(-121665n * invP(121666n));
const SQRT_M1 = powP(2n, (P - 1n) / 4n);

/** The point a 32-byte encoding names (RFC 8032 §5.1.3), or undefined when it names none. */
function decodePoint(pub: Uint8Array): [bigint, bigint] | undefined {
  let y = 0n;
  for (let i = 31; i >= 0; i--) y = (y << 8n) | BigInt((pub[i] as number) & (i === 31 ? 0x7f : 0xff));
  const sign = ((pub[31] as number) >> 7) & 1;
  if (y >= P) return undefined;
  const y2 = (y * y) % P;
  const u = modP(y2 - 1n);
  const v = modP(D * y2 + 1n);
  let x = (u * powP(v, 3n) * powP(u * powP(v, 7n), (P - 5n) / 8n)) % P;
  const vx2 = (v * x * x) % P;
  if (vx2 !== u) {
    if (vx2 !== modP(-u)) return undefined;
    x = (x * SQRT_M1) % P;
  }
  if (x === 0n && sign === 1) return undefined;
  if (Number(x & 1n) !== sign) x = P - x;
  return [x, y];
}

function addPoints([x1, y1]: [bigint, bigint], [x2, y2]: [bigint, bigint]): [bigint, bigint] {
  const t = (D * x1 * x2 * y1 * y2) % P;
  return [modP((x1 * y2 + x2 * y1) * invP(1n + t)), modP((y1 * y2 + x1 * x2) * invP(modP(1n - t)))];
}

/**
 * Why an Ed25519 public key must not be trusted, or undefined when it may: it does not decode to
 * a curve point, or it is a point of small order, for which signatures can be forged without
 * any private key.
 */
export function weakPublicKey(pub: Uint8Array): string | undefined {
  if (!(pub instanceof Uint8Array) || pub.length !== 32) return 'not 32 bytes';
  const a = decodePoint(pub);
  if (!a) return 'not a point of the curve (RFC 8032 decoding fails)';
  let q = a;
  for (let i = 0; i < 3; i++) q = addPoints(q, q);
  if (q[0] === 0n && q[1] === 1n) return 'a point of small order: signatures for it can be forged without any private key';
  return undefined;
}

// Verification loops check many signatures by few keys: one cache per key of what it is — weak
// (weakPublicKey, a BigInt check of ~1 ms) or the parsed key — so neither is worked out twice.
const PUBLIC_CACHE_LIMIT = 256;
const publicCache = new Map<string, { weak: string | undefined; key?: KeyObject }>();

function cacheEntry(pub: Uint8Array): { weak: string | undefined; key?: KeyObject } {
  const k = Buffer.from(pub.buffer, pub.byteOffset, pub.byteLength).toString('base64');
  let entry = publicCache.get(k);
  if (entry === undefined) {
    entry = { weak: weakPublicKey(pub) };
    if (publicCache.size >= PUBLIC_CACHE_LIMIT) publicCache.delete(publicCache.keys().next().value!);
    publicCache.set(k, entry);
  }
  return entry;
}

/** The parsed key, or undefined for a weak one (no signature by it counts). */
function cachedPublicKey(pub: Uint8Array): KeyObject | undefined {
  const entry = cacheEntry(pub);
  if (entry.weak !== undefined) return undefined;
  entry.key ??= publicKeyObject(pub);
  return entry.key;
}

/** weakPublicKey of a JWK's `x` (a JWK that is not an Ed25519 public key is weak too), remembered per key. */
export function weakJwk(jwk: unknown): string | undefined {
  try {
    return cacheEntry(publicKeyFromJwk(jwk)).weak;
  } catch (e) {
    return (e as Error).message;
  }
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

/** True iff `sig` is a valid signature of `msg` by `pub`. Malformed or weak keys (weakPublicKey) and malformed signatures give false. */
export function verify(pub: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean {
  if (!(pub instanceof Uint8Array) || pub.length !== 32) return false;
  if (!(sig instanceof Uint8Array) || sig.length !== 64) return false;
  let key: KeyObject | undefined;
  try {
    // A key of small order verifies forgeries: undefined, and no signature by it counts.
    key = cachedPublicKey(pub);
  } catch {
    return false;
  }
  if (key === undefined) return false;
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
