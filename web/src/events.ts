/**
 * The live event stream (`GET /api/v1/events`, Server-Sent Events) read with fetch, because
 * EventSource cannot send the Authorization header. Reconnects with Last-Event-ID; stops for
 * good if the server has no such endpoint.
 */
import { getToken } from './api.js';

export interface StreamEvent {
  readonly id: string;
  readonly type: string;
  readonly data: unknown;
}

/** Parses SSE text into events; returns the events and the unparsed remainder. */
export function parseSse(buffer: string): { events: StreamEvent[]; rest: string } {
  const events: StreamEvent[] = [];
  const blocks = buffer.replace(/\r\n?/g, '\n').split('\n\n');
  const rest = blocks.pop() ?? '';
  for (const block of blocks) {
    let id = '';
    let type = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line === '' || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') id = value;
      else if (field === 'event') type = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length === 0) continue;
    let parsed: unknown = data.join('\n');
    try {
      parsed = JSON.parse(parsed as string);
    } catch {
      /* plain text */
    }
    events.push({ id, type, data: parsed });
  }
  return { events, rest };
}

/**
 * How many streams are connected now, on `<html data-streams>`: a page that follows the stream
 * gets events from the moment its stream is connected (tests wait for it before acting).
 */
function connected(delta: number): void {
  const root = document.documentElement;
  root.dataset.streams = String(Math.max(0, Number(root.dataset.streams ?? 0) + delta));
}

export function subscribe(onEvent: (e: StreamEvent) => void): () => void {
  const ctrl = new AbortController();
  let lastId: string | null = null;
  let stopped = false;
  let open = false;
  const run = async (): Promise<void> => {
    while (!stopped) {
      try {
        const token = getToken();
        const res = await fetch('/api/v1/events', {
          headers: { accept: 'text/event-stream', ...(token ? { authorization: `Bearer ${token}` } : {}), ...(lastId ? { 'last-event-id': lastId } : {}) },
          signal: ctrl.signal,
        });
        if (res.status === 404 || res.status === 401 || res.status === 403) return;
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
        if (!stopped && !open) {
          open = true;
          connected(1);
        }
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          const parsed = parseSse(buffer + value);
          buffer = parsed.rest;
          for (const e of parsed.events) {
            if (e.id) lastId = e.id;
            onEvent(e);
          }
        }
      } catch {
        if (stopped) return;
      }
      if (open) {
        open = false;
        connected(-1);
      }
      await new Promise((ok) => setTimeout(ok, 2000));
    }
  };
  void run();
  return () => {
    stopped = true;
    if (open) {
      open = false;
      connected(-1);
    }
    ctrl.abort();
  };
}
