import { xmlEscape } from './cap.js';

/** KML 2.2 (OGC 07-147r2) placemarks: coordinates are "lon,lat" tuples separated by spaces. */
export interface KmlCorridor {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly route: readonly (readonly [number, number])[];
  readonly zone: readonly (readonly [number, number])[];
  /** Whether the ceasefire holds in the zone now (the corridor open), or it is only the zone agreed. */
  readonly zoneInForce: boolean;
  readonly data: Record<string, string>;
}

const coords = (pts: readonly (readonly [number, number])[]): string => pts.map(([lon, lat]) => `${+lon.toFixed(6)},${+lat.toFixed(6)}`).join(' ');

export function kmlDocument(name: string, corridors: readonly KmlCorridor[]): string {
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<kml xmlns="http://www.opengis.net/kml/2.2">',
    '<Document>',
    `  <name>${xmlEscape(name)}</name>`,
    '  <Style id="route"><LineStyle><color>ff0078d7</color><width>3</width></LineStyle></Style>',
    '  <Style id="zone"><LineStyle><color>ff0078d7</color><width>1</width></LineStyle><PolyStyle><color>400078d7</color></PolyStyle></Style>',
  ];
  for (const c of corridors) {
    const data = Object.entries(c.data)
      .map(([k, v]) => `<Data name="${xmlEscape(k)}"><value>${xmlEscape(v)}</value></Data>`)
      .join('');
    out.push(
      `  <Folder id="${xmlEscape(c.id)}">`,
      `    <name>${xmlEscape(c.name)}</name>`,
      `    <Placemark id="${xmlEscape(c.id)}-route">`,
      `      <name>${xmlEscape(c.name)}</name>`,
      `      <description>${xmlEscape(c.description)}</description>`,
      '      <styleUrl>#route</styleUrl>',
      `      <ExtendedData>${data}</ExtendedData>`,
      `      <LineString><tessellate>1</tessellate><coordinates>${coords(c.route)}</coordinates></LineString>`,
      '    </Placemark>',
      // A LinearRing needs four positions: a corridor without a zone (see zonePolygonOf) has no placemark for it.
      ...(c.zone.length >= 4
        ? [
            `    <Placemark id="${xmlEscape(c.id)}-zone">`,
            `      <name>${xmlEscape(c.name)} — ${c.zoneInForce ? 'ceasefire zone, in force now' : 'agreed zone, no ceasefire in force now'}</name>`,
            '      <styleUrl>#zone</styleUrl>',
            `      <ExtendedData>${data}</ExtendedData>`,
            `      <Polygon><tessellate>1</tessellate><outerBoundaryIs><LinearRing><coordinates>${coords(c.zone)}</coordinates></LinearRing></outerBoundaryIs></Polygon>`,
            '    </Placemark>',
          ]
        : []),
      '  </Folder>',
    );
  }
  out.push('</Document>', '</kml>');
  return `${out.join('\n')}\n`;
}
