/**
 * Which demo party signs for each member key, and the members who give guarantees: each has a
 * key pair written as `<party>.private.jwk` and `<party>.public.jwk` in the keys directory. On
 * its own so that the CLI's checks of the demo's files do not load the whole scenario.
 */
export const KEYED_PARTIES = ['mediator', 'ua', 'ru'] as const;
