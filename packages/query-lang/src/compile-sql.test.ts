import { describe, expect, it } from 'vitest';
import { compileSearch } from './compile-sql.js';
import { SearchSyntaxError } from './errors.js';

describe('compileSearch', () => {
  it.each([
    ['service.name = "api"', '(service = {p0:String})', { p0: 'api' }],
    ['name != "GET /"', '(name != {p0:String})', { p0: 'GET /' }],
    ['trace_id = "t1"', '(trace_id = {p0:String})', { p0: 't1' }],
    ['agent_id = "a1"', '(agent_id = {p0:String})', { p0: 'a1' }],
    ['status = ERROR', '(status = {p0:String})', { p0: 'error' }],
    ['kind != "client"', '(kind != {p0:String})', { p0: 'client' }],
    ['name =~ "^GET"', 'match(name, {p0:String})', { p0: '^GET' }],
    ['service.name !~ "x"', '(NOT match(service, {p0:String}))', { p0: 'x' }],
  ])('column: %s', (src, where, params) => {
    expect(compileSearch(src)).toMatchObject({ where, params });
  });

  it.each(['=', '!=', '>', '>=', '<', '<='])('duration %s compares duration_ns with a UInt64', (op) => {
    expect(compileSearch(`duration ${op} 1.5s`)).toMatchObject({
      where: `(duration_ns ${op} {p0:UInt64})`,
      params: { p0: 1_500_000_000 },
    });
  });

  it('passes durations past 2^53 ns as exact decimal strings', () => {
    expect(compileSearch('duration < 3000000h').params).toEqual({ p0: '10800000000000000000' });
  });

  it.each(['=', '!=', '>', '>=', '<', '<='])('numeric attribute %s', (op) => {
    expect(compileSearch(`http.status_code ${op} 500`)).toMatchObject({
      where: `ifNull(toFloat64OrNull(attributes[{p0:String}]) ${op} {p1:Float64}, 0)`,
      params: { p0: 'http.status_code', p1: 500 },
    });
  });

  it.each([
    ['attr.http.method = "GET"', 'http.method', 'GET'],
    ['attr.cache.hit = true', 'cache.hit', 'true'],
  ])('equality with a non-empty value needs no presence test: %s', (src, key, value) => {
    expect(compileSearch(src)).toMatchObject({
      where: '(attributes[{p0:String}] = {p1:String})',
      params: { p0: key, p1: value },
    });
  });

  it.each([
    ['attr.http.method = ""', '(attributes[{p0:String}] = {p1:String})', 'http.method', ''],
    ['attr.http.method != "GET"', '(attributes[{p0:String}] != {p1:String})', 'http.method', 'GET'],
    ['attr.cache.hit != FALSE', '(attributes[{p0:String}] != {p1:String})', 'cache.hit', 'false'],
    [
      'db.statement =~ "(?i)select"',
      'match(attributes[{p0:String}], {p1:String})',
      'db.statement',
      '(?i)select',
    ],
    ['db.statement !~ "x"', '(NOT match(attributes[{p0:String}], {p1:String}))', 'db.statement', 'x'],
  ])('string/boolean/regex attribute: %s', (src, inner, key, value) => {
    expect(compileSearch(src)).toMatchObject({
      where: `(mapContains(attributes, {p0:String}) AND ${inner})`,
      params: { p0: key, p1: value },
    });
  });

  it('compiles resource keys against the resource map', () => {
    expect(compileSearch('resource."k8s cluster" != "prod"')).toMatchObject({
      where: '(mapContains(resource, {p0:String}) AND (resource[{p0:String}] != {p1:String}))',
      params: { p0: 'k8s cluster', p1: 'prod' },
    });
  });

  it('parenthesises every composite and shares repeated keys', () => {
    const r = compileSearch('NOT (x.y > 1 AND x.y < 5) OR status = error');
    expect(r.where).toBe(
      '((NOT (ifNull(toFloat64OrNull(attributes[{p0:String}]) > {p1:Float64}, 0) AND ' +
        'ifNull(toFloat64OrNull(attributes[{p0:String}]) < {p2:Float64}, 0))) OR (status = {p3:String}))',
    );
    expect(r.params).toEqual({ p0: 'x.y', p1: 1, p2: 5, p3: 'error' });
    expect(r.ast.type).toBe('or');
  });

  it('uses the parameter prefix', () => {
    expect(compileSearch('name = "a" AND a.b = 2', { paramPrefix: 'q_' })).toMatchObject({
      where:
        '((name = {q_0:String}) AND ifNull(toFloat64OrNull(attributes[{q_1:String}]) = {q_2:Float64}, 0))',
      params: { q_0: 'a', q_1: 'a.b', q_2: 2 },
    });
  });

  it('refuses a prefix that is not an identifier', () => {
    expect(() => compileSearch('name = "a"', { paramPrefix: 'p}; DROP' })).toThrow(TypeError);
  });

  it('keeps hostile text out of the SQL', () => {
    const hostile = `'); DROP TABLE spans; -- \\" \u0000 ${'\u{1F4A3}'}`;
    const src = `attr."${hostile.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}" = "${hostile.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
    const r = compileSearch(src);
    expect(r.where).toBe('(attributes[{p0:String}] = {p1:String})');
    expect(r.params).toEqual({ p0: hostile, p1: hostile });
  });

  it('throws SearchSyntaxError for malformed input', () => {
    expect(() => compileSearch('name = ')).toThrow(SearchSyntaxError);
  });
});
