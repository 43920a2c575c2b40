import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type Pipeline, startPipeline } from './pipeline.js';
import { freePort, type ServiceProcess, spawnService } from './processes.js';
import { REPO_ROOT } from './stack-env.js';
import { waitFor } from './wait-for.js';

interface Family {
  type: string;
  /** Label names of every series of the family seen in a scrape. */
  labels: Set<string>;
  series: number;
}

/** Prometheus text format → families by name (histogram/summary series folded into their family). */
function families(text: string, into: Map<string, Family>): void {
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)/.exec(line);
    if (type?.[1] && type[2]) {
      if (!into.has(type[1])) into.set(type[1], { type: type[2], labels: new Set(), series: 0 });
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})? /.exec(line);
    if (!m?.[1]) continue;
    const fam = into.get(m[1]) ?? into.get(m[1].replace(/_(bucket|count|sum)$/, ''));
    if (!fam) continue;
    fam.series++;
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)) if (l[1]) fam.labels.add(l[1]);
  }
}

/** Every `metric{label=…}` reference of a PromQL expression: the metric name and its selector's labels. */
function references(expr: string): { metric: string; labels: string[] }[] {
  const out: { metric: string; labels: string[] }[] = [];
  for (const m of expr.matchAll(
    /\b((?:mesh_trace|http_request|process|nodejs)_[a-z0-9_]+)\s*(\{[^}]*\})?/g,
  )) {
    const labels = [...(m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)].map(
      (l) => l[1] ?? '',
    );
    out.push({ metric: m[1] ?? '', labels });
  }
  return out;
}

const read = (path: string) => readFileSync(`${REPO_ROOT}${path}`, 'utf8');

// deploy/monitoring ships alert rules and a Grafana dashboard for operators. They are only useful if
// every metric and label they select is what the running services export: scrape real processes.
describe('monitoring pack: alert rules and dashboard select metrics the services export', () => {
  let pipe: Pipeline;
  let alerter: ServiceProcess;
  let alerterUrl: string;
  const scraped = new Map<string, Family>();

  const rules = parse(read('deploy/monitoring/prometheus-rules.yaml')) as {
    groups: { name: string; rules: { alert: string; expr: string; labels?: { severity?: string } }[] }[];
  };
  const dashboard = JSON.parse(read('deploy/monitoring/grafana-dashboard.json')) as {
    panels: { title: string; targets: { expr: string }[] }[];
  };
  const exprs = [
    ...rules.groups.flatMap((g) => g.rules.map((r) => ({ where: `rule ${r.alert}`, expr: r.expr }))),
    ...dashboard.panels.flatMap((p) => p.targets.map((t) => ({ where: `panel ${p.title}`, expr: t.expr }))),
  ];

  beforeAll(async () => {
    pipe = await startPipeline(['ingest', 'writer', 'query']);
    const port = await freePort();
    alerterUrl = `http://127.0.0.1:${port}`;
    alerter = await spawnService(
      'alerter',
      'services/alerter/dist/main.js',
      {
        CLICKHOUSE_URL: pipe.stack.CLICKHOUSE_URL,
        REDIS_URL: pipe.stack.REDIS_URL,
        MESH_TRACE_ALERTER_HOST: '127.0.0.1',
        MESH_TRACE_ALERTER_PORT: String(port),
        MESH_TRACE_ALERTER_LEASE_KEY: `e2e-monitoring-${pipe.run}`,
        MESH_TRACE_ALERTS_ORGS: `org-none-${pipe.run}`,
        MESH_TRACE_RUN_MIGRATIONS: 'false',
      },
      `${alerterUrl}/readyz`,
    );
    // Traffic, so labelled series exist: an accepted batch (stored by the writer), a bad request and
    // a read.
    const key = await pipe.key(['ingest', 'read']);
    const traceId = randomBytes(16).toString('hex');
    const post = (body: unknown) =>
      fetch(`${pipe.ingestUrl}/v1/traces/batch`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const now = new Date().toISOString();
    const span = {
      trace_id: traceId,
      span_id: randomBytes(8).toString('hex'),
      name: 'x',
      service: 'svc',
      start_time: now,
      end_time: now,
    };
    expect((await post({ spans: [span] })).status).toBe(202);
    expect((await post({ spans: [{ ...span, span_id: 'zz' }] })).status).toBe(400);
    await waitFor('trace readable', async () => {
      const res = await fetch(`${pipe.queryUrl}/v1/traces/${traceId}`, {
        headers: { authorization: `Bearer ${key}` },
      });
      return res.status === 200 ? true : undefined;
    });
    for (const url of [pipe.ingestUrl, pipe.writerUrl, pipe.queryUrl, alerterUrl])
      families(await (await fetch(`${url}/metrics`)).text(), scraped);
  });

  afterAll(async () => {
    await alerter?.stop();
    await pipe?.stop();
  });

  it('parses: every rule has an expression and a severity, every panel a query', () => {
    expect(rules.groups.length).toBeGreaterThan(0);
    for (const g of rules.groups)
      for (const r of g.rules) {
        expect(r.expr, r.alert).toMatch(/\S/);
        expect(['critical', 'warning', 'info'], r.alert).toContain(r.labels?.severity);
      }
    expect(dashboard.panels.length).toBeGreaterThan(5);
    for (const p of dashboard.panels) expect(p.targets.length, p.title).toBeGreaterThan(0);
  });

  it('selects only metrics that exist, by labels those metrics carry', () => {
    const problems: string[] = [];
    for (const { where, expr } of exprs) {
      for (const ref of references(expr)) {
        const name = scraped.has(ref.metric) ? ref.metric : ref.metric.replace(/_(bucket|count|sum)$/, '');
        const fam = scraped.get(name);
        if (!fam) {
          problems.push(`${where}: no service exports ${ref.metric}`);
          continue;
        }
        // A family without series yet (a labelled counter never incremented) cannot show its labels.
        if (fam.series > 0)
          for (const l of ref.labels)
            if (!fam.labels.has(l)) problems.push(`${where}: ${ref.metric} has no label ${l}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('labels every series with the service that exported it', async () => {
    for (const [url, service] of [
      [pipe.ingestUrl, 'ingest'],
      [pipe.writerUrl, 'writer'],
      [pipe.queryUrl, 'query'],
      [alerterUrl, 'alerter'],
    ] as const) {
      const series = (await (await fetch(`${url}/metrics`)).text())
        .split('\n')
        .filter((l) => l && !l.startsWith('#'));
      expect(series.length, service).toBeGreaterThan(10);
      for (const s of series) expect(s, service).toContain(`service="${service}"`);
    }
  });
});
