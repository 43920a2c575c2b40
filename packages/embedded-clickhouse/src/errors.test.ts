import { describe, expect, it } from 'vitest';
import { ClickHouseHttpError, ErrorCode, httpStatusForCode, toErrorReply } from './errors.js';

// The regular expression @clickhouse/client 1.23.1 uses to turn a body into ClickHouseError.
const CLIENT_ERROR_RE =
  /(Code|Error): (?<code>\d+).*Exception: (?<message>.+?)\((?<type>(?=[A-Z0-9_]*[A-Z]{3})[A-Z0-9_]+)\)/s;

describe('httpStatusForCode', () => {
  it('mirrors real ClickHouse for the codes that matter', () => {
    expect(httpStatusForCode(62)).toBe(400); // SYNTAX_ERROR
    expect(httpStatusForCode(27)).toBe(400); // CANNOT_PARSE_INPUT_ASSERTION_FAILED
    expect(httpStatusForCode(60)).toBe(404); // UNKNOWN_TABLE
    expect(httpStatusForCode(115)).toBe(404); // UNKNOWN_SETTING
    expect(httpStatusForCode(159)).toBe(408); // TIMEOUT_EXCEEDED
    expect(httpStatusForCode(229)).toBe(413); // QUERY_IS_TOO_LARGE
    expect(httpStatusForCode(48)).toBe(501); // NOT_IMPLEMENTED
    expect(httpStatusForCode(497)).toBe(403); // ACCESS_DENIED
    expect(httpStatusForCode(194)).toBe(401); // REQUIRED_PASSWORD
    expect(httpStatusForCode(241)).toBe(500); // MEMORY_LIMIT_EXCEEDED: not mapped
    expect(httpStatusForCode(456)).toBe(500); // UNKNOWN_QUERY_PARAMETER: not mapped
  });
});

describe('toErrorReply', () => {
  it('passes the engine text through and adds the version', () => {
    const err = Object.assign(
      new Error('Code: 60. DB::Exception: Unknown table expression identifier t. (UNKNOWN_TABLE)'),
      {
        clickhouseCode: 60,
      },
    );
    const reply = toErrorReply(err, '26.7.2.1');
    expect(reply).toEqual({
      code: 60,
      status: 404,
      body: 'Code: 60. DB::Exception: Unknown table expression identifier t. (UNKNOWN_TABLE) (version 26.7.2.1)\n',
    });
    expect(CLIENT_ERROR_RE.exec(reply.body)?.groups).toMatchObject({ code: '60', type: 'UNKNOWN_TABLE' });
  });

  it('does not add a second version', () => {
    const err = new Error('Code: 73. DB::Exception: Unknown format X. (UNKNOWN_FORMAT) (version 26.7.2.1)');
    expect(toErrorReply(err, '26.7.2.1').body.match(/version/g)).toHaveLength(1);
  });

  it('shapes front-end errors like engine errors', () => {
    const reply = toErrorReply(
      new ClickHouseHttpError(ErrorCode.BAD_ARGUMENTS, "Invalid setting name 'a-b'"),
      '26.7',
    );
    expect(reply.status).toBe(400);
    expect(reply.body).toBe(
      "Code: 36. DB::Exception: Invalid setting name 'a-b'. (BAD_ARGUMENTS) (version 26.7)\n",
    );
    expect(CLIENT_ERROR_RE.exec(reply.body)?.groups).toMatchObject({ code: '36', type: 'BAD_ARGUMENTS' });
  });

  it('gives errors without a code the UNKNOWN_EXCEPTION shape and a 500', () => {
    const reply = toErrorReply(new TypeError('boom'), '26.7');
    expect(reply).toMatchObject({ code: 1002, status: 500 });
    expect(CLIENT_ERROR_RE.exec(reply.body)?.groups).toMatchObject({
      code: '1002',
      type: 'UNKNOWN_EXCEPTION',
    });
    expect(toErrorReply('text', '26.7').code).toBe(1002);
  });

  it('keeps a code carried by a non-engine error and finds its type in the text', () => {
    const err = Object.assign(new Error('Invalid identifier (CHDB_BIND) (BAD_ARGUMENTS)'), {
      clickhouseCode: 36,
    });
    expect(toErrorReply(err, '1').body).toContain('(BAD_ARGUMENTS) (version 1)');
  });
});
