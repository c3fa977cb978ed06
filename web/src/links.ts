/**
 * A link to somewhere else that the app may put in an href: http(s) only. A source URL is data
 * someone typed; `javascript:` runs in the app's origin when clicked and `data:` shows a page of
 * the sender's making. The API refuses them now (docs/api.md), but entries stored before that
 * rule are still shown: such a URL is printed as text, not linked.
 */
export function httpHref(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : undefined;
}
