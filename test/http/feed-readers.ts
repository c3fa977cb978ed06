/**
 * Independent readers for the public feeds, shared by the feed tests: the OASIS schema check of
 * CAP alerts (xmllint) and a small RFC 5545 reader.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

/** The OASIS CAP 1.2 schema, kept in the repository (test/fixtures/cap/README.md says whence). */
export const XSD = fileURLToPath(new URL('../fixtures/cap/CAP-v1.2.xsd', import.meta.url));
export const XMLLINT = '/usr/bin/xmllint';

/** Validates XML against the OASIS CAP 1.2 schema with xmllint; returns its complaint or ''. */
export function validateCap(xml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cap-'));
  const file = join(dir, 'alert.xml');
  writeFileSync(file, xml);
  try {
    execFileSync(XMLLINT, ['--noout', '--schema', XSD, file], { stdio: 'pipe' });
    return '';
  } catch (e) {
    return String((e as { stderr?: Buffer }).stderr ?? e);
  }
}

/**
 * A small RFC 5545 reader, written for this test independently of the writer (ical.js is not
 * installed): unfolds lines, splits name;params:value, unescapes TEXT, nests components.
 */
export function parseIcs(text: string): { name: string; props: Record<string, { params: Record<string, string>; value: string }[]>; children: any[] } {
  expect(text.endsWith('\r\n')).toBe(true);
  for (const l of text.split('\r\n')) expect(new TextEncoder().encode(l).length).toBeLessThanOrEqual(75);
  expect(/[^\r]\n/.test(text)).toBe(false);
  const lines = text.replace(/\r\n[ \t]/g, '').split('\r\n').filter((l) => l !== '');
  const root = { name: 'ROOT', props: {} as Record<string, any[]>, children: [] as any[] };
  const stack = [root];
  for (const line of lines) {
    let i = 0;
    let inQuote = false;
    for (; i < line.length; i++) {
      const ch = line[i];
      if (ch === '"') inQuote = !inQuote;
      if (ch === ':' && !inQuote) break;
    }
    const head = line.slice(0, i);
    const value = line.slice(i + 1);
    const [name = '', ...paramParts] = head.split(';');
    const params = Object.fromEntries(paramParts.map((p) => p.split('=') as [string, string]));
    const top = stack[stack.length - 1]!;
    if (name === 'BEGIN') {
      const c = { name: value, props: {}, children: [] };
      top.children.push(c);
      stack.push(c);
    } else if (name === 'END') {
      expect(top.name).toBe(value);
      stack.pop();
    } else {
      const unescaped = value.replace(/\\([\\;,nN])/g, (_m, c: string) => (c === 'n' || c === 'N' ? '\n' : c));
      (top.props[name] ??= []).push({ params, value: unescaped });
    }
  }
  expect(stack).toHaveLength(1);
  return root.children[0];
}

