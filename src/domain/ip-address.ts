/**
 * What kind of network an IP address belongs to, and whether a webhook may be sent there.
 *
 * A webhook makes the mediator's server connect wherever a party says: to a cloud host's metadata
 * service (169.254.169.254), to its own internal network, to itself. This module only reads
 * address text (no lookups, no sockets): the adapter (src/app/webhooks.ts) applies it to the
 * address written in a subscription's URL and to every address its DNS lookup returns.
 *
 * IPv6 forms that carry an IPv4 address — IPv4-mapped (`::ffff:10.0.0.1`, which URL writes as
 * `::ffff:a00:1`), the deprecated IPv4-compatible (`::10.0.0.1`) and NAT64's well-known prefix
 * (`64:ff9b::10.0.0.1`) — are judged as the IPv4 address they reach.
 */

export type AddressClass =
  | 'public'
  | 'loopback'
  | 'private'
  | 'shared'
  | 'link-local'
  | 'cloud-metadata'
  | 'unspecified'
  | 'multicast'
  | 'broadcast'
  | 'documentation'
  | 'reserved';

/** Never a receiver, whatever the operator says: link-local (metadata services), unspecified, multicast, broadcast. */
export const ALWAYS_REFUSED: ReadonlySet<AddressClass> = new Set<AddressClass>(['link-local', 'cloud-metadata', 'unspecified', 'multicast', 'broadcast']);

/** Refused when the operator refuses private webhooks (`passage serve --refuse-private-webhooks`). */
export const REFUSED_IF_PRIVATE_REFUSED: ReadonlySet<AddressClass> = new Set<AddressClass>(['loopback', 'private', 'shared', 'documentation', 'reserved']);

const NAME: Record<AddressClass, string> = {
  public: 'public address',
  loopback: 'loopback address',
  private: 'private address',
  shared: 'shared address',
  'link-local': 'link-local address',
  'cloud-metadata': 'cloud metadata address',
  unspecified: 'unspecified address',
  multicast: 'multicast address',
  broadcast: 'broadcast address',
  documentation: 'documentation address',
  reserved: 'reserved address',
};

const RANGES: Record<AddressClass, string> = {
  public: 'the internet',
  loopback: '127.0.0.0/8, ::1: this machine',
  private: 'RFC 1918 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, or IPv6 unique local fc00::/7',
  shared: 'carrier-grade NAT, 100.64.0.0/10',
  'link-local': '169.254.0.0/16, fe80::/10',
  'cloud-metadata': 'fd00:ec2::254, 100.100.100.200',
  unspecified: '0.0.0.0/8, ::',
  multicast: '224.0.0.0/4, ff00::/8',
  broadcast: '255.255.255.255',
  documentation: '192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32, 3fff::/20',
  reserved: '240.0.0.0/4, 192.0.0.0/24, 198.18.0.0/15, 100::/64',
};

const WHY_ALWAYS: Partial<Record<AddressClass, string>> = {
  'link-local': "where a cloud host's metadata service answers, not a receiver",
  'cloud-metadata': "where a cloud host's metadata service answers, not a receiver",
  unspecified: 'which no receiver has',
  multicast: 'which no receiver has',
  broadcast: 'which no receiver has',
};

/** The class's name, for a message: "link-local address". */
export function addressClassName(c: AddressClass): string {
  return NAME[c];
}

/** The class with its ranges, for a message: "a link-local address (169.254.0.0/16, fe80::/10)". */
export function describeAddressClass(c: AddressClass): string {
  return `${/^[aeiou]/.test(NAME[c]) ? 'an' : 'a'} ${NAME[c]} (${RANGES[c]})`;
}

/** A dotted-decimal IPv4 address as an unsigned 32-bit number; undefined if it is not one. */
export function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || (p.length > 1 && p.startsWith('0'))) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

/** An IPv6 address (a zone `%eth0` is dropped) as its eight 16-bit groups; undefined if it is not one. */
export function parseIpv6(text: string): number[] | undefined {
  let s = text.toLowerCase();
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (!/^[0-9a-f:.]+$/.test(s) || !s.includes(':')) return undefined;
  // A trailing dotted IPv4 address stands for the last two groups.
  const lastColon = s.lastIndexOf(':');
  const last = s.slice(lastColon + 1);
  if (last.includes('.')) {
    const v4 = parseIpv4(last);
    if (v4 === undefined) return undefined;
    s = `${s.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string): number[] | undefined => {
    if (h === '') return [];
    const out: number[] = [];
    for (const g of h.split(':')) {
      if (!/^[0-9a-f]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = groups(halves[0] ?? '');
  if (head === undefined) return undefined;
  if (halves.length === 1) return head.length === 8 ? head : undefined;
  const tail = groups(halves[1] ?? '');
  if (tail === undefined || head.length + tail.length > 7) return undefined;
  return [...head, ...Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

const inV4 = (n: number, base: string, bits: number): boolean => {
  const b = parseIpv4(base) as number;
  const size = 2 ** (32 - bits);
  return n >= b && n < b + size;
};

function classifyV4(n: number): AddressClass {
  if (n === 0xffffffff) return 'broadcast';
  // Alibaba Cloud's metadata service sits in the shared range, where nothing else of ours lives.
  if (n === (parseIpv4('100.100.100.200') as number)) return 'cloud-metadata';
  if (inV4(n, '0.0.0.0', 8)) return 'unspecified';
  if (inV4(n, '127.0.0.0', 8)) return 'loopback';
  if (inV4(n, '169.254.0.0', 16)) return 'link-local';
  if (inV4(n, '10.0.0.0', 8) || inV4(n, '172.16.0.0', 12) || inV4(n, '192.168.0.0', 16)) return 'private';
  if (inV4(n, '100.64.0.0', 10)) return 'shared';
  if (inV4(n, '192.0.2.0', 24) || inV4(n, '198.51.100.0', 24) || inV4(n, '203.0.113.0', 24)) return 'documentation';
  if (inV4(n, '224.0.0.0', 4)) return 'multicast';
  if (inV4(n, '240.0.0.0', 4) || inV4(n, '192.0.0.0', 24) || inV4(n, '198.18.0.0', 15)) return 'reserved';
  return 'public';
}

function classifyV6(g: number[]): AddressClass {
  const [a = 0, b = 0, c = 0, d = 0, e = 0, f = 0, h7 = 0, h8 = 0] = g;
  const v4 = (h7 * 0x10000 + h8) >>> 0;
  const firstFiveZero = a === 0 && b === 0 && c === 0 && d === 0 && e === 0;
  if (firstFiveZero && f === 0 && v4 === 0) return 'unspecified';
  if (firstFiveZero && f === 0 && v4 === 1) return 'loopback';
  // IPv4-mapped (::ffff:0:0/96) and IPv4-compatible (::/96): the IPv4 address they reach.
  if (firstFiveZero && (f === 0xffff || f === 0)) return classifyV4(v4);
  // NAT64's well-known prefix (64:ff9b::/96, RFC 6052) reaches the IPv4 address it carries.
  if (a === 0x64 && b === 0xff9b && c === 0 && d === 0 && e === 0 && f === 0) return classifyV4(v4);
  if (a === 0xfd00 && b === 0x0ec2 && c === 0 && d === 0 && e === 0 && f === 0 && h7 === 0 && h8 === 0x254) return 'cloud-metadata';
  if ((a & 0xffc0) === 0xfe80) return 'link-local';
  if ((a & 0xfe00) === 0xfc00 || (a & 0xffc0) === 0xfec0) return 'private';
  if ((a & 0xff00) === 0xff00) return 'multicast';
  if ((a === 0x2001 && b === 0x0db8) || (a & 0xfff0) === 0x3ff0) return 'documentation';
  if (a === 0x0100 && b === 0 && c === 0 && d === 0) return 'reserved';
  return 'public';
}

/**
 * The class of an IP address written as text (IPv4 dotted decimal, or IPv6, in brackets or not);
 * undefined when the text is not an IP address (a host name).
 */
export function classifyIpAddress(address: string): AddressClass | undefined {
  const text = address.trim().replace(/^\[(.*)\]$/, '$1');
  const v4 = parseIpv4(text);
  if (v4 !== undefined) return classifyV4(v4);
  const v6 = text.includes(':') ? parseIpv6(text) : undefined;
  return v6 === undefined ? undefined : classifyV6(v6);
}

/** What the operator decided about webhook receivers on loopback, private and shared networks. */
export interface WebhookAddressPolicy {
  /** Refuse loopback, private (RFC 1918, ULA), shared (CGNAT), documentation and reserved addresses too. */
  readonly refusePrivate: boolean;
}

export const OPEN_POLICY: WebhookAddressPolicy = { refusePrivate: false };

/** Why a webhook may not be sent to an address. */
export interface AddressRefusal {
  readonly addressClass: AddressClass;
  /** "link-local address" */
  readonly name: string;
  /** "169.254.0.0/16, fe80::/10" */
  readonly ranges: string;
  /** "where a cloud host's metadata service answers, not a receiver" */
  readonly why: string;
  /** All of it: "a link-local address (169.254.0.0/16, fe80::/10), where …". */
  readonly reason: string;
}

/** Why a webhook may not be sent to `address`, or undefined if it may (or it is a host name, judged by its lookup). */
export function webhookAddressRefusal(address: string, policy: WebhookAddressPolicy): AddressRefusal | undefined {
  const c = classifyIpAddress(address);
  return c === undefined ? undefined : refusalOfClass(c, policy);
}

/** Why a webhook may not be sent to an address of class `c`, or undefined if it may. */
export function refusalOfClass(c: AddressClass, policy: WebhookAddressPolicy): AddressRefusal | undefined {
  const always = WHY_ALWAYS[c];
  const why = always !== undefined && ALWAYS_REFUSED.has(c) ? always : policy.refusePrivate && REFUSED_IF_PRIVATE_REFUSED.has(c) ? 'refused by this server (--refuse-private-webhooks)' : undefined;
  if (why === undefined) return undefined;
  return { addressClass: c, name: NAME[c], ranges: RANGES[c], why, reason: `${describeAddressClass(c)}, ${why}` };
}
