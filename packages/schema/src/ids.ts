export const TRACE_ID = /^[0-9a-f]{32}$/;
export const SPAN_ID = /^[0-9a-f]{16}$/;

export function normalizeId(value: string): string {
  return value.toLowerCase();
}

export function isAllZeros(id: string): boolean {
  return /^0+$/.test(id);
}
