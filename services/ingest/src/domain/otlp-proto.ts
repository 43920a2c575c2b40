import { createRequire } from 'node:module';
import { ValidationError } from '@mesh-trace/errors';
import type { OtlpPartialSuccess, OtlpTraceRequest } from './otlp-mapping.js';

/**
 * The protobufjs static module generated from the opentelemetry-proto definitions, as shipped by
 * @opentelemetry/otlp-transformer (pinned: 0.216.0 is the last release whose generated root still
 * holds the trace messages). Decoding is protobufjs's, not ours.
 */
interface Encodable {
  encode(message: unknown): { finish(): Uint8Array };
}
interface MessageType<T> extends Encodable {
  decode(reader: Uint8Array): T;
}
interface TraceServiceTypes {
  ExportTraceServiceRequest: MessageType<OtlpTraceRequest>;
  ExportTraceServiceResponse: MessageType<{ partialSuccess?: OtlpPartialSuccess | null }>;
}

const require = createRequire(import.meta.url);
const root = require('@opentelemetry/otlp-transformer/build/src/generated/root.js') as {
  opentelemetry: { proto: { collector: { trace: { v1: TraceServiceTypes } } } };
};
const types = root.opentelemetry.proto.collector.trace.v1;

/** A malformed message is a 400: protobufjs throws on truncated fields and bad wire types. */
export function decodeOtlpProtobuf(body: Uint8Array): OtlpTraceRequest {
  try {
    return types.ExportTraceServiceRequest.decode(body);
  } catch (err) {
    throw new ValidationError(
      `Malformed protobuf ExportTraceServiceRequest: ${(err as Error).message}`,
      undefined,
      'invalid_request',
    );
  }
}

export function encodeOtlpResponseProtobuf(partial: OtlpPartialSuccess | undefined): Buffer {
  const bytes = types.ExportTraceServiceResponse.encode(partial ? { partialSuccess: partial } : {}).finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Encodes a request (tests and the benchmark build their payloads with it). */
export function encodeOtlpRequestProtobuf(request: unknown): Buffer {
  const bytes = types.ExportTraceServiceRequest.encode(request).finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function decodeOtlpResponseProtobuf(body: Uint8Array): { partialSuccess?: OtlpPartialSuccess | null } {
  return types.ExportTraceServiceResponse.decode(body);
}
