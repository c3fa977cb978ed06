/**
 * Which navigation is current. A page's render waits for the network; if the user has gone
 * elsewhere meanwhile (clicked Talks, then Incidents before Talks answered), the older render
 * must not draw over the newer page. Each navigation takes a number; a render remembers the
 * one it started under and gives up once another has begun.
 */
let current = 0;

/** Starts a navigation: every render begun before it is superseded. */
export function beginNavigation(): number {
  return ++current;
}

/** A check for the render starting now: true while no newer navigation has begun. */
export function stillCurrent(): () => boolean {
  const mine = current;
  return () => mine === current;
}
