/**
 * Byte encodings used by the log's wire formats. Pure functions (no Buffer, no node:*),
 * strict on input: decoders reject anything that would not re-encode to the same text.
 */
import { LogError, type LogErrorCode } from './log-error.js';

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function makeDecodeTable(alphabet: string): Int16Array {
  const t = new Int16Array(128).fill(-1);
  for (let i = 0; i < alphabet.length; i++) t[alphabet.charCodeAt(i)] = i;
  return t;
}
const B64_DEC = makeDecodeTable(B64);
const B64URL_DEC = makeDecodeTable(B64URL);

function encode(bytes: Uint8Array, alphabet: string, pad: boolean): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += alphabet[n >>> 18]! + alphabet[(n >>> 12) & 63]! + alphabet[(n >>> 6) & 63]! + alphabet[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += alphabet[n >>> 18]! + alphabet[(n >>> 12) & 63]! + (pad ? '==' : '');
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += alphabet[n >>> 18]! + alphabet[(n >>> 12) & 63]! + alphabet[(n >>> 6) & 63]! + (pad ? '=' : '');
  }
  return out;
}

function decode(text: string, table: Int16Array, padded: boolean, code: LogErrorCode, what: string): Uint8Array {
  const fail = (): never => {
    throw new LogError(code, `${what}: not canonical ${padded ? 'base64' : 'base64url'}`);
  };
  let len = text.length;
  if (padded) {
    if (len % 4 !== 0) fail();
    if (len > 0 && text.charCodeAt(len - 1) === 61) len--;
    if (len > 0 && text.charCodeAt(len - 1) === 61) len--;
    if (text.length - len > 0 && len % 4 < 2) fail();
  } else if (len % 4 === 1) {
    fail();
  }
  const out = new Uint8Array(Math.floor((len * 3) / 4));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < len; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? table[c]! : -1;
    if (v < 0) fail();
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >>> bits) & 0xff;
    }
  }
  // Leftover bits must be zero, or the text is not the canonical encoding of its bytes.
  if (bits > 0 && (acc & ((1 << bits) - 1)) !== 0) fail();
  return out;
}

/** Standard base64 (RFC 4648 §4) with padding. */
export function encodeBase64(bytes: Uint8Array): string {
  return encode(bytes, B64, true);
}

/** Strict standard base64 decoding: padding required, no whitespace, canonical trailing bits. */
export function decodeBase64(text: string, code: LogErrorCode = 'invalid_argument', what = 'value'): Uint8Array {
  return decode(text, B64_DEC, true, code, what);
}

/** base64url (RFC 4648 §5) without padding, as JOSE uses it. */
export function encodeBase64Url(bytes: Uint8Array): string {
  return encode(bytes, B64URL, false);
}

export function decodeBase64Url(text: string, code: LogErrorCode = 'invalid_argument', what = 'value'): Uint8Array {
  return decode(text, B64URL_DEC, false, code, what);
}

export function encodeHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += bytes[i]!.toString(16).padStart(2, '0');
  return s;
}

/** Lower-case hex only (the form this log emits). */
export function decodeHex(text: string, code: LogErrorCode = 'invalid_argument', what = 'value'): Uint8Array {
  if (text.length % 2 !== 0 || !/^[0-9a-f]*$/.test(text)) {
    throw new LogError(code, `${what}: not lower-case hex`);
  }
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

export function encodeUtf8(text: string): Uint8Array {
  return utf8Encoder.encode(text);
}

/** Strict UTF-8 decoding: invalid sequences are an error, not U+FFFD. */
export function decodeUtf8(bytes: Uint8Array, code: LogErrorCode = 'invalid_argument', what = 'value'): string {
  try {
    return utf8Decoder.decode(bytes);
  } catch {
    throw new LogError(code, `${what}: not valid UTF-8`);
  }
}

export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}
