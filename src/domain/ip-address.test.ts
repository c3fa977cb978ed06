import { describe, expect, it } from 'vitest';
import { classifyIpAddress, parseIpv6, webhookAddressRefusal } from './ip-address.js';

describe('classifyIpAddress', () => {
  it.each([
    ['8.8.8.8', 'public'],
    ['2a00:1450:4001:80b::200e', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.0.10', 'private'],
    ['fd12:3456::1', 'private'],
    ['fc00::1', 'private'],
    ['100.64.0.1', 'shared'],
    ['100.127.255.255', 'shared'],
    ['100.128.0.1', 'public'],
    ['169.254.169.254', 'link-local'],
    ['169.254.0.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['febf::1', 'link-local'],
    ['fd00:ec2::254', 'cloud-metadata'],
    ['100.100.100.200', 'cloud-metadata'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['192.0.2.1', 'documentation'],
    ['198.51.100.7', 'documentation'],
    ['203.0.113.7', 'documentation'],
    ['2001:db8::1', 'documentation'],
    ['240.0.0.1', 'reserved'],
    ['198.18.0.1', 'reserved'],
    // IPv4 inside IPv6: mapped (as written, and as URL rewrites it), compatible, NAT64.
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['[::ffff:a9fe:a9fe]', 'link-local'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:10.0.0.1', 'private'],
    ['0:0:0:0:0:ffff:c0a8:1', 'private'],
    ['::ffff:100.64.0.1', 'shared'],
    ['::ffff:0.0.0.0', 'unspecified'],
    ['::ffff:224.0.0.1', 'multicast'],
    ['::ffff:255.255.255.255', 'broadcast'],
    ['::ffff:8.8.8.8', 'public'],
    ['::10.0.0.1', 'private'],
    ['64:ff9b::a9fe:a9fe', 'link-local'],
    ['64:ff9b::8.8.8.8', 'public'],
  ])('%s is %s', (address, expected) => {
    expect(classifyIpAddress(address)).toBe(expected);
  });

  it.each(['example.org', 'localhost', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1::2::3', '1:2:3:4:5:6:7:8:9', 'gggg::1', ':::', '', '::ffff:1.2.3.999'])('%s is not an IP address', (text) => {
    expect(classifyIpAddress(text)).toBeUndefined();
  });

  it('parses IPv6 forms to the same eight groups', () => {
    const full = [0, 0, 0, 0, 0, 0xffff, 0x7f00, 1];
    expect(parseIpv6('::ffff:127.0.0.1')).toEqual(full);
    expect(parseIpv6('0:0:0:0:0:ffff:7f00:1')).toEqual(full);
    expect(parseIpv6('::FFFF:7F00:1')).toEqual(full);
    expect(parseIpv6('1:2:3:4:5:6:7::')).toEqual([1, 2, 3, 4, 5, 6, 7, 0]);
    expect(parseIpv6('::2:3:4:5:6:7:8')).toEqual([0, 2, 3, 4, 5, 6, 7, 8]);
  });
});

describe('webhookAddressRefusal', () => {
  const open = { refusePrivate: false };
  const strict = { refusePrivate: true };
  it('always refuses link-local, metadata, unspecified, multicast and broadcast addresses', () => {
    for (const a of ['169.254.169.254', 'fe80::1', 'fd00:ec2::254', '0.0.0.0', '::', '224.0.0.1', 'ff02::1', '255.255.255.255', '::ffff:169.254.169.254']) {
      expect(webhookAddressRefusal(a, open), a).toBeDefined();
      expect(webhookAddressRefusal(a, strict), a).toBeDefined();
    }
    expect(webhookAddressRefusal('169.254.169.254', open)?.reason).toMatch(/link-local address/);
  });
  it('refuses loopback, private, shared, documentation and reserved addresses only when told to', () => {
    for (const a of ['127.0.0.1', '::1', '10.0.0.1', '172.20.1.1', '192.168.1.1', 'fd00::1', '100.64.1.1', '::ffff:10.0.0.1', '192.0.2.1', '240.0.0.1']) {
      expect(webhookAddressRefusal(a, open), a).toBeUndefined();
      expect(webhookAddressRefusal(a, strict)?.reason, a).toMatch(/--refuse-private-webhooks/);
    }
    expect(webhookAddressRefusal('10.0.0.1', strict)?.reason).toMatch(/^a private address \(RFC 1918/);
    expect(webhookAddressRefusal('100.64.0.1', strict)?.reason).toMatch(/carrier-grade NAT/);
  });
  it('lets public addresses and host names through (a name is judged by its lookup)', () => {
    for (const a of ['8.8.8.8', '2a00:1450:4001:80b::200e', 'example.org']) {
      expect(webhookAddressRefusal(a, strict), a).toBeUndefined();
    }
  });
});
