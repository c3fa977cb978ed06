/**
 * A guarantee made in the browser, as `passage sign` makes it: a compact JWS (RFC 7515),
 * alg EdDSA (Ed25519, RFC 8037), kid = the key's RFC 7638 thumbprint, payload = the exact
 * RFC 8785 bytes of the current terms. The private key is read from a file on the user's
 * device into WebCrypto and is never sent anywhere.
 */
export interface PrivateJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  d: string;
  kid?: string;
}

export function b64url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function parsePrivateJwk(text: string): PrivateJwk | null {
  try {
    const j = JSON.parse(text) as Partial<PrivateJwk>;
    if (j.kty === 'OKP' && j.crv === 'Ed25519' && typeof j.x === 'string' && typeof j.d === 'string') return j as PrivateJwk;
  } catch {
    /* not JSON */
  }
  return null;
}

/** RFC 7638 thumbprint of an Ed25519 JWK: SHA-256 over {"crv","kty","x"} in that order. */
export async function thumbprint(jwk: { x: string }): Promise<string> {
  const canonical = `{"crv":"Ed25519","kty":"OKP","x":"${jwk.x}"}`;
  return b64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(canonical))));
}

export async function ed25519Supported(): Promise<boolean> {
  try {
    await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
    return true;
  } catch {
    return false;
  }
}

export async function signCompact(payload: Uint8Array, jwk: PrivateJwk): Promise<string> {
  const key = await crypto.subtle.importKey('jwk', { kty: 'OKP', crv: 'Ed25519', x: jwk.x, d: jwk.d }, { name: 'Ed25519' }, false, ['sign']);
  const kid = await thumbprint(jwk);
  const header = b64url(new TextEncoder().encode(JSON.stringify({ alg: 'EdDSA', kid })));
  const input = `${header}.${b64url(payload)}`;
  const sig = new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, key, new TextEncoder().encode(input)));
  return `${input}.${b64url(sig)}`;
}

/**
 * A new Ed25519 key pair made in the browser, in the form `passage keys generate` writes: the
 * private JWK with its kid and alg (for the file the user keeps) and the public JWK the server
 * registers. The private key is extractable only so that it can be saved; nothing sends it.
 */
export async function generateSigningKey(): Promise<{ privateJwk: PrivateJwk & { kid: string; alg: 'EdDSA' }; publicJwk: { kty: 'OKP'; crv: 'Ed25519'; x: string }; kid: string }> {
  const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPair;
  const jwk = await crypto.subtle.exportKey('jwk', pair.privateKey);
  if (typeof jwk.x !== 'string' || typeof jwk.d !== 'string') throw new Error('the browser exported no Ed25519 key');
  const kid = await thumbprint({ x: jwk.x });
  return { privateJwk: { kty: 'OKP', crv: 'Ed25519', x: jwk.x, d: jwk.d, kid, alg: 'EdDSA' }, publicJwk: { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, kid };
}

/** A public Ed25519 JWK read from a file: the key, `private` if the file holds a private key, or null. */
export function parsePublicJwk(text: string): { kty: 'OKP'; crv: 'Ed25519'; x: string } | 'private' | null {
  try {
    const j = JSON.parse(text) as Partial<PrivateJwk>;
    if (typeof j !== 'object' || j === null || j.kty !== 'OKP' || j.crv !== 'Ed25519' || typeof j.x !== 'string') return null;
    if (j.d !== undefined) return 'private';
    return { kty: 'OKP', crv: 'Ed25519', x: j.x };
  } catch {
    return null;
  }
}

/**
 * Disables `button` and shows `note` where this browser cannot make or use Ed25519 keys (every
 * form that signs or creates a key here): the CLI is the way then, and the note says so.
 */
export function gateOnEd25519(button: HTMLButtonElement, note: HTMLElement): void {
  void ed25519Supported().then((ok) => {
    button.toggleAttribute('disabled', !ok);
    note.hidden = ok;
  });
}

/**
 * The private key in the file chosen in `input`: the key; `none` when no file is chosen; `public`
 * when the file holds only a public Ed25519 key; `bad` when it is no Ed25519 JWK at all; and
 * `mismatch` when its private part (d) is not the private half of its public part (x) — WebCrypto
 * refuses such a key with an empty message, and a signature made with it could never verify, so
 * it is found here by signing a probe and verifying it with x, before anything is sent.
 */
export async function chosenPrivateKey(input: HTMLInputElement): Promise<PrivateJwk | 'none' | 'bad' | 'public' | 'mismatch'> {
  const file = input.files?.[0];
  if (!file) return 'none';
  const text = await file.text();
  const jwk = parsePrivateJwk(text);
  if (!jwk) return parsePublicJwk(text) === null ? 'bad' : 'public';
  return (await keyHalvesMatch(jwk)) ? jwk : 'mismatch';
}

async function keyHalvesMatch(jwk: PrivateJwk): Promise<boolean> {
  try {
    const priv = await crypto.subtle.importKey('jwk', { kty: 'OKP', crv: 'Ed25519', x: jwk.x, d: jwk.d }, { name: 'Ed25519' }, false, ['sign']);
    const pub = await crypto.subtle.importKey('jwk', { kty: 'OKP', crv: 'Ed25519', x: jwk.x }, { name: 'Ed25519' }, false, ['verify']);
    const probe = new TextEncoder().encode('passage key check');
    const sig = await crypto.subtle.sign({ name: 'Ed25519' }, priv, probe);
    return await crypto.subtle.verify({ name: 'Ed25519' }, pub, sig, probe);
  } catch {
    return false;
  }
}

/** The message, at the file field, for a key file that cannot sign. */
export function keyFileProblem(kind: 'none' | 'bad' | 'public' | 'mismatch'): 'sign.needKey' | 'sign.badKey' | 'sign.publicKey' | 'sign.keyMismatch' {
  return ({ none: 'sign.needKey', bad: 'sign.badKey', public: 'sign.publicKey', mismatch: 'sign.keyMismatch' } as const)[kind];
}

/**
 * Whether the key of a private JWK is one of `kids` — the keys its party registered, as `GET /me`
 * lists them (named by their RFC 7638 thumbprint, as the server names keys). A file of another
 * party's key, or of a key never registered, is said at the file field before anything is signed
 * or sent; a registered key since revoked is the server's to refuse (it says why).
 */
export async function registeredKey(jwk: { x: string }, kids: readonly string[]): Promise<boolean> {
  return kids.includes(await thumbprint(jwk));
}

/** The kids of the signed-in member's own party, read afresh (a key added on the Keys page counts); null when /me cannot be read. */
export async function ownPartyKids(me: () => Promise<{ party: { keys: readonly { kid: string }[] } }>): Promise<string[] | null> {
  try {
    return (await me()).party.keys.map((k) => k.kid);
  } catch {
    return null;
  }
}
