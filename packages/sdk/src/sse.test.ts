import { describe, expect, it } from 'vitest';
import { SseParser } from './sse.js';

describe('SseParser', () => {
  it('parses events split across chunks at any point, with ids, types and multi-line data', () => {
    const text =
      'retry: 1000\n: connected\n\nid: 1-0\nevent: span\ndata: {"a":1}\n\n: heartbeat\n\nid: 2-0\r\nevent: event\r\ndata: x\r\ndata: y\r\n\r\n';
    for (let cut = 0; cut <= text.length; cut++) {
      const p = new SseParser();
      const got = [...p.push(text.slice(0, cut)), ...p.push(text.slice(cut))];
      expect(got).toEqual([
        { id: '1-0', event: 'span', data: '{"a":1}' },
        { id: '2-0', event: 'event', data: 'x\ny' },
      ]);
    }
  });

  it('keeps the retry delay and ignores unknown fields', () => {
    const p = new SseParser();
    expect(p.push('retry: 250\nfoo: bar\ndata: d\n\n')).toEqual([
      { event: 'message', data: 'd', id: undefined },
    ]);
    expect(p.retry).toBe(250);
  });
});
