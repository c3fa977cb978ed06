/** The longest compact JWS a guarantee or a protocol signature may be (the request schemas' bound). */
export const MAX_JWS_CHARS = 200_000;

/**
 * The most bytes a signed document (a corridor's terms, a protocol's text) may take: its JWS
 * carries them base64url-encoded (4/3 as long) with a header and a signature (under 400
 * characters), and must fit MAX_JWS_CHARS.
 */
export const MAX_SIGNED_BYTES = 149_000;
