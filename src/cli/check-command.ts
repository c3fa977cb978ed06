import type { ApiClient } from './client.js';
import { parseAtOption, parseDecimal, type Print } from './options.js';
import { Explanation } from './responses.js';

const coordinate = (value: string, name: 'longitude' | 'latitude', max: number): number => parseDecimal(value, name, -max, max);

/** `passage check <lon> <lat> [--at]`: what applies at a point, in words. */
export async function cmdCheck(client: ApiClient, lonArg: string, latArg: string, opts: { at?: string; json?: boolean }, print: Print): Promise<void> {
  const lon = coordinate(lonArg, 'longitude', 180);
  const lat = coordinate(latArg, 'latitude', 90);
  const at = parseAtOption(opts.at);
  const e = await client.get(`/deconfliction/explain?lon=${lon}&lat=${lat}${at ? `&at=${encodeURIComponent(at)}` : ''}`, Explanation);
  if (opts.json) {
    print(JSON.stringify(e, null, 2));
    return;
  }
  const where = `${Math.abs(lat).toFixed(4)}°${lat >= 0 ? 'N' : 'S'} ${Math.abs(lon).toFixed(4)}°${lon >= 0 ? 'E' : 'W'}`;
  print(`At ${where}, ${e.at}:`);
  if (e.corridors.length === 0) print('  No corridor’s ceasefire zone covers this point.');
  for (const c of e.corridors) {
    const pos = `${c.distanceM.toLocaleString('en-US')} m from its route (zone half-width ${(c.widthM / 2).toLocaleString('en-US')} m)`;
    if (c.ceasefireHolds) {
      print(`  CEASEFIRE HOLDS: corridor "${c.title}" (${c.id}, version ${c.version}), ${pos}.`);
      if (c.window) print(`    Window ${c.window.startLocal} – ${c.window.endLocal} (${c.window.timeZone}).`);
    } else {
      const suspended = c.reasons.find((r) => r.code === 'suspended');
      const why = suspended ? `SUSPENDED since ${suspended.since}: ${suspended.reason}` : c.reasons.map((r) => r.message).join('; ');
      print(`  No ceasefire from corridor "${c.title}" (${c.id}), ${pos}: ${why}.`);
    }
  }
  if (e.sites.length > 0) for (const s of e.sites) print(`  Inside protected site "${s.name}" (${s.kind}, ${s.id}).`);
}
