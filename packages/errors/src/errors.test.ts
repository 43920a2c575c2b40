import { describe, expect, it } from 'vitest';
import { BaseError, DependencyUnavailableError, isRetryable, ValidationError } from './index.js';

describe('isRetryable', () => {
  it('trusts the retry flag of our own errors', () => {
    expect(isRetryable(new DependencyUnavailableError('kafka'))).toBe(true);
    expect(isRetryable(new ValidationError('bad'))).toBe(false);
    expect(isRetryable(new BaseError('internal', 'x', { retry: true }))).toBe(true);
  });

  it('treats transient network failures and retriable kafkajs errors as retryable', () => {
    expect(isRetryable(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isRetryable({ name: 'KafkaJSProtocolError', retriable: true })).toBe(true);
    expect(
      isRetryable({ name: 'KafkaJSNumberOfRetriesExceeded', cause: { name: 'KafkaJSConnectionError' } }),
    ).toBe(true);
  });

  it('does not retry content errors or unknown values', () => {
    expect(isRetryable(new SyntaxError('Unexpected token'))).toBe(false);
    expect(isRetryable({ name: 'KafkaJSProtocolError', retriable: false })).toBe(false);
    expect(isRetryable(undefined)).toBe(false);
    expect(isRetryable('ECONNREFUSED')).toBe(false);
  });
});
