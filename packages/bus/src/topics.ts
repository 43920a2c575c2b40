export const TOPICS = {
  spans: 'mesh-trace.spans.v1',
  deadLetter: 'mesh-trace.spans.v1.dlq',
} as const;
