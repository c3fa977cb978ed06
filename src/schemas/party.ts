import { z } from 'zod';
import { PartyKind, Role } from './common.js';

export const Slug = z.string().min(2).max(40).regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes');

export const CreatePartyBody = z.object({
  id: Slug.optional().describe('a short stable id; generated when absent'),
  kind: PartyKind,
  name: z.string().min(1).max(200),
  shortName: z.string().min(1).max(40).optional(),
});

export const CreateMemberBody = z.object({
  name: z.string().min(1).max(200),
  role: Role,
});

export const IssueTokenBody = z.object({ label: z.string().max(200).default('') });

export const Ed25519PublicJwk = z
  .object({
    kty: z.literal('OKP'),
    crv: z.literal('Ed25519'),
    x: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'x must be the base64url of a 32-byte Ed25519 public key'),
    kid: z.string().max(200).optional(),
    alg: z.literal('EdDSA').optional(),
    use: z.literal('sig').optional(),
    d: z.string().optional().describe('never send this: a private key must not leave its owner'),
  })
  .describe('Ed25519 public key as a JWK (RFC 8037)');

export const RegisterKeyBody = z.object({ jwk: Ed25519PublicJwk });

export const KeyView = z.object({
  kid: z.string().describe('RFC 7638 JWK thumbprint (SHA-256)'),
  partyId: z.string(),
  jwk: z.object({ kty: z.string(), crv: z.string(), x: z.string(), kid: z.string(), alg: z.string(), use: z.string() }),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
});
z.globalRegistry.add(KeyView, { id: 'PartyKey' });

export const MemberView = z.object({
  id: z.string(),
  partyId: z.string(),
  name: z.string(),
  role: Role,
  createdAt: z.string(),
  disabledAt: z.string().nullable(),
});
z.globalRegistry.add(MemberView, { id: 'Member' });

export const PartyView = z.object({
  id: z.string(),
  kind: PartyKind,
  name: z.string(),
  shortName: z.string(),
  createdAt: z.string(),
  keys: z.array(KeyView),
});
export type PartyView = z.infer<typeof PartyView>;
z.globalRegistry.add(PartyView, { id: 'Party' });

export const TokenView = z.object({
  id: z.string(),
  memberId: z.string(),
  label: z.string(),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
});
export const IssuedToken = TokenView.extend({
  token: z.string().describe('the secret; shown once, stored only as a hash'),
});

export const MeView = z.object({
  member: MemberView,
  party: PartyView,
});
