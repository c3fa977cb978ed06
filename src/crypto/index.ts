export { sha256, createNodeTreeHasher, hashLeaves } from './sha256.js';

export {
  generateKeyPair,
  publicKeyFromPrivate,
  sign,
  createSigner,
  verify,
  weakPublicKey,
  weakJwk,
  publicKeyToJwk,
  privateKeyToJwk,
  publicKeyFromJwk,
  privateKeyFromJwk,
  type Ed25519KeyPair,
  type Ed25519PublicJwk,
  type Ed25519PrivateJwk,
} from './ed25519.js';
