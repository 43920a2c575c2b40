function hex(bytes: number): string {
  const buf = new Uint8Array(bytes);
  for (;;) {
    globalThis.crypto.getRandomValues(buf);
    // All-zero ids are invalid (W3C trace context); astronomically rare, but cheap to rule out.
    if (buf.some((b) => b !== 0)) break;
  }
  return Array.from(buf, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** 32 lowercase hex characters, never all zeros. */
export const newTraceId = (): string => hex(16);
/** 16 lowercase hex characters, never all zeros. */
export const newSpanId = (): string => hex(8);
