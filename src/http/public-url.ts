/**
 * The address the public reaches this server at, for the absolute links the feeds carry (the Atom
 * index's ids and links, each CAP alert's `<web>`, the calendar's URL): `passage serve
 * --public-url` / `PUBLIC_URL`, e.g. https://corridors.example.org or, behind a reverse proxy
 * that serves it under a path, https://example.org/passage (the path is kept, trailing slashes
 * dropped). http or https only; no query string, fragment, user name or password. Never the
 * request's Host header: anyone can send any Host, and the feeds are cached (a CAP alert an hour)
 * by readers and proxies, so one request could plant links to another site in them.
 */
export function publicBaseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`the public URL is not a URL: ${value}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`the public URL must be an http:// or https:// URL, not ${url.protocol}`);
  if (url.search !== '' || url.hash !== '' || value.includes('?') || value.includes('#')) throw new TypeError(`the public URL must not have a query string or a fragment (${value}): give the address, and the path it is served under if any, e.g. https://example.org/passage`);
  if (url.username !== '' || url.password !== '') throw new TypeError('the public URL must not hold a user name or password');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}
