// What users of docker-compose.yml, the Dockerfile and deploy/k8s rely on, checked without a Docker
// engine or a cluster: the compose file through the real `docker compose config` (built from the Go
// module proxy by scripts/ensure-compose.sh); health checks and start order, the writer's replica bound,
// the alerter's leader + standby, proxy routes, no chDB in service images, probes,
// Kubernetes schema validity (kubernetes-models: the Kubernetes 1.27 OpenAPI schemas) and that every
// environment variable a service reads is either set or safely defaulted — read from the services' own
// zod config schemas, so a new variable without a deployment value fails here.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';

type Obj = Record<string, unknown>;
type Env = Record<string, string>;

const root = fileURLToPath(new URL('../../../', import.meta.url));
const read = (path: string) => readFileSync(root + path, 'utf8');
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' ? (v as Obj) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const SERVICES = ['ingest', 'writer', 'query', 'alerter'] as const;
const PORTS = { ingest: 4001, writer: 4002, query: 4000, alerter: 4003 } as const;
/** Services an HPA scales; the alerter runs a fixed leader + standby (one active evaluator at a time). */
const AUTOSCALED: readonly string[] = ['ingest', 'writer', 'query'];
/**
 * Optional variables a deployment may leave unset: no bootstrap key; the node id and the alerter's
 * replica name derive from the hostname; without SMTP credentials the alerter connects without authentication.
 */
const OPTIONAL_UNSET = new Set([
  'MESH_TRACE_BOOTSTRAP_KEY',
  'MESH_TRACE_NODE_ID',
  'NODE_ENV',
  'MESH_TRACE_ALERTER_ID',
  'MESH_TRACE_SMTP_USER',
  'MESH_TRACE_SMTP_PASSWORD',
  // Unset: one decode thread per core beyond the first (at most 2), decided at start.
  'MESH_TRACE_INGEST_DECODE_THREADS',
  // Kafka TLS/SASL: off unless the brokers need it (the compose Kafka is internal and plaintext).
  'KAFKA_SSL_CA_FILE',
  'KAFKA_SASL_MECHANISM',
  'KAFKA_SASL_USERNAME',
  'KAFKA_SASL_PASSWORD',
]);
const LOOPBACK = /127\.0\.0\.1|localhost/;

// ---------- helpers ----------

/** `KEY=value` lines (env files, kustomize literals); `#` lines are comments. */
function envLines(lines: string[]): Env {
  const env: Env = {};
  for (const line of lines) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m?.[1] && !line.trim().startsWith('#')) env[m[1]] = m[2] ?? '';
  }
  return env;
}

const TEST_SECRETS: Env = {
  CLICKHOUSE_PASSWORD: 'test-password',
  MESH_TRACE_CURSOR_SECRET: 'test-cursor-secret-0123456789abcdef0123',
  MESH_TRACE_BOOTSTRAP_KEY: 'mtk_live_testbootstrapkey0123456789',
};
const composeEnv: Env = {
  ...envLines(read('deploy/compose/env.example').split('\n')),
  ...TEST_SECRETS,
};
/**
 * The compose model as the real Docker Compose CLI resolves it (`docker compose config`: schema
 * validation, interpolation, merges, normalisation), built by scripts/ensure-compose.sh. Throws with
 * compose's own message when it refuses the file.
 */
function loadCompose(env: Env): Obj {
  const bin = process.env.MESH_TRACE_COMPOSE_BIN ?? `${root}.tools/bin/docker-compose`;
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run scripts/ensure-compose.sh (make test does)`);
  const out = spawnSync(
    bin,
    ['--project-directory', root, '-f', `${root}docker-compose.yml`, 'config', '--format', 'json'],
    { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env }, encoding: 'utf8' },
  );
  if (out.status !== 0) throw new Error(`docker compose config failed: ${out.stderr}${out.error ?? ''}`);
  return obj(JSON.parse(out.stdout));
}
const compose = loadCompose(composeEnv);
const composeServices = obj(compose.services);

/** A service's config module (services/<svc>/src/config.ts): its loader and its zod schema. */
async function configModule(svc: string) {
  // A computed path: the services are not dependencies of this package, and tsc need not follow it.
  return (await import(pathToFileURL(`${root}services/${svc}/src/config.ts`).href)) as {
    loadConfig: (env: Env) => Obj;
    configSchema: { shape: Record<string, unknown> };
  };
}

/** Asserts the environment a deployment gives a service starts it, and nothing is left to a dev default. */
async function expectCompleteEnv(svc: string, env: Env, where: string): Promise<void> {
  const { loadConfig, configSchema } = await configModule(svc);
  expect(() => loadConfig(env), `${where}: ${svc} config`).not.toThrow();
  const defaults = loadConfig({});
  for (const key of Object.keys(configSchema.shape)) {
    if (key in env) continue;
    if (OPTIONAL_UNSET.has(key)) continue;
    const fallback = defaults[key];
    expect(fallback, `${where}: ${svc} reads ${key}, which is neither set nor defaulted`).not.toBeUndefined();
    expect(String(fallback), `${where}: ${svc}'s default ${key} points at this machine; set it`).not.toMatch(
      LOOPBACK,
    );
  }
}

// ---------- Docker image ----------

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile').replace(/\\\n/g, ' ');
  const stages = dockerfile.split(/^FROM /m).slice(1);
  const stage = (name: string) =>
    stages.find((s) => new RegExp(` AS ${name}\\b`).test(s.split('\n')[0] ?? '')) ?? '';
  const build = stage('build');
  const runtime = stage('runtime');

  it('copies only paths that exist in the build context', () => {
    const sources = [...dockerfile.matchAll(/^COPY (?!--from)(.+)$/gm)].flatMap((m) =>
      (m[1] ?? '').trim().split(/\s+/).slice(0, -1),
    );
    expect(sources.length).toBeGreaterThan(0);
    for (const src of sources) if (src !== '.') expect(existsSync(root + src), src).toBe(true);
    const ignored = read('.dockerignore');
    expect(ignored).toMatch(/^\*\*\/node_modules$/m);
    expect(ignored).toMatch(/^\*\*\/dist$/m);
    for (const src of sources) expect(ignored.split('\n')).not.toContain(src);
  });

  it('builds with tsc -b and deploys production dependencies of one service, failing on chdb', () => {
    expect(build).toMatch(/pnpm install --frozen-lockfile[^\n]*--filter "@mesh-trace\/\$\{SERVICE\}\.\.\."/);
    expect(build).toMatch(/pnpm exec tsc -b "services\/\$\{SERVICE\}"/);
    expect(build).toMatch(/pnpm deploy --legacy --filter "@mesh-trace\/\$\{SERVICE\}" --prod \/out\/app/);
    expect(build).toMatch(/find \/out -name '\*chdb\*'[^\n]*exit 1/);
  });

  it('builds the web UI into the query and all-in-one images, and fails when it is missing', () => {
    expect(build).toMatch(
      /"\$\{SERVICE\}" = "query" \] \|\| \[ "\$\{SERVICE\}" = "all-in-one" \]; then\s+pnpm --filter @mesh-trace\/ui build/,
    );
    expect(build).toMatch(/test -f \/out\/app\/node_modules\/@mesh-trace\/ui\/dist\/index\.html/);
  });

  it('runs small, non-root, under tini, with a health check on /healthz', () => {
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:20-bookworm-slim$/m);
    expect(runtime).toMatch(/^\$\{NODE_IMAGE\} AS runtime/);
    expect(runtime).not.toMatch(/pnpm install/);
    expect(runtime).toMatch(/^USER 1000:1000$/m);
    expect(runtime).toMatch(/^ENTRYPOINT \["\/usr\/bin\/tini", "--", "node"/m);
    expect(runtime).toMatch(
      /^HEALTHCHECK .*CMD \["node", "\/opt\/mesh-trace\/healthcheck\.mjs", "\/healthz"\]/m,
    );
    expect(runtime).toMatch(/apt-get install -y --no-install-recommends tini/);
  });

  it("exposes every service's port, and the health check finds each service's port", () => {
    const exposed = /^EXPOSE (.+)$/m.exec(runtime)?.[1]?.split(/\s+/).map(Number) ?? [];
    const healthcheck = read('deploy/docker/healthcheck.mjs');
    for (const svc of SERVICES) {
      expect(exposed, svc).toContain(PORTS[svc]);
      expect(healthcheck, svc).toContain(
        `${svc}: env.MESH_TRACE_${svc.toUpperCase()}_PORT ?? '${PORTS[svc]}'`,
      );
    }
  });

  it('no split service depends on chdb, even through a workspace package', () => {
    const manifest = (dir: string) => obj(JSON.parse(read(`${dir}/package.json`)));
    const dirs = new Map<string, string>();
    for (const base of ['packages', 'services'])
      for (const d of readdirSync(root + base)) {
        if (!existsSync(`${root}${base}/${d}/package.json`)) continue;
        dirs.set(String(manifest(`${base}/${d}`).name), `${base}/${d}`);
      }
    for (const svc of SERVICES) {
      const seen = new Set<string>();
      const walk = (name: string) => {
        if (seen.has(name)) return;
        seen.add(name);
        const dir = dirs.get(name);
        if (dir) for (const dep of Object.keys(obj(manifest(dir).dependencies))) walk(dep);
      };
      walk(`@mesh-trace/${svc}`);
      expect(
        [...seen].filter((n) => n === 'chdb' || n.includes('embedded-clickhouse')),
        svc,
      ).toEqual([]);
    }
  });
});

// ---------- docker-compose.yml ----------

describe('docker-compose.yml', () => {
  it('refuses to start without the secrets (they have no defaults)', () => {
    for (const key of Object.keys(TEST_SECRETS)) {
      const { [key]: _, ...without } = composeEnv;
      expect(() => loadCompose(without), key).toThrow(new RegExp(key));
    }
  });

  it('has a health check on every service and starts dependents only on healthy ones', () => {
    expect(Object.keys(composeServices).sort()).toEqual(
      ['alerter', 'clickhouse', 'ingest', 'kafka', 'proxy', 'query', 'redis', 'writer'].sort(),
    );
    for (const [name, svc] of Object.entries(composeServices)) {
      const hc = obj(obj(svc).healthcheck);
      expect(arr(hc.test).length, `${name} healthcheck`).toBeGreaterThan(0);
      expect(hc.disable, name).toBeUndefined();
      for (const [dep, cond] of Object.entries(obj(obj(svc).depends_on))) {
        expect(Object.keys(composeServices), `${name} depends on ${dep}`).toContain(dep);
        expect(obj(cond).condition, `${name} -> ${dep}`).toBe('service_healthy');
      }
    }
    for (const svc of ['ingest', 'writer']) {
      expect(Object.keys(obj(obj(composeServices[svc]).depends_on))).toEqual(
        expect.arrayContaining(['kafka', 'clickhouse']),
      );
    }
    // The alerter needs ClickHouse (rules, data, events) and Redis (its leader lease), not Kafka.
    expect(Object.keys(obj(obj(composeServices.alerter).depends_on)).sort()).toEqual(['clickhouse', 'redis']);
    expect(Object.keys(obj(obj(composeServices.proxy).depends_on)).sort()).toEqual(['ingest', 'query']);
  });

  it('runs Kafka 3.9 in KRaft mode, a ClickHouse server and Redis with an append-only file', () => {
    const kafka = obj(composeServices.kafka);
    expect(kafka.image).toMatch(/^apache\/kafka:3\.9\.\d+$/);
    expect(obj(kafka.environment).KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(obj(composeServices.clickhouse).image).toMatch(/^clickhouse\/clickhouse-server:\d+\.\d+/);
    expect(arr(obj(composeServices.redis).command).join(' ')).toMatch(/--appendonly yes/);
    for (const svc of ['kafka', 'clickhouse', 'redis'])
      expect(arr(obj(composeServices[svc]).volumes).length, `${svc} keeps its data`).toBeGreaterThan(0);
  });

  it('builds each service from the Dockerfile, two writers, and only the proxy is published', () => {
    for (const svc of SERVICES) {
      const s = obj(composeServices[svc]);
      expect(obj(s.build).dockerfile).toBe('Dockerfile');
      expect(obj(obj(s.build).args).SERVICE).toBe(svc);
      expect(obj(s.environment).MESH_TRACE_SERVICE).toBe(svc);
      expect(arr(obj(s.healthcheck).test).join(' ')).toMatch(/healthcheck\.mjs \/readyz/);
    }
    const writer = obj(composeServices.writer);
    expect(obj(writer.deploy).replicas).toBe(2);
    expect(writer.container_name).toBeUndefined();
    const partitions = Number(obj(writer.environment).KAFKA_PARTITIONS);
    expect(partitions, 'writers beyond the partition count idle').toBeGreaterThanOrEqual(2);
    for (const [name, svc] of Object.entries(composeServices))
      if (name !== 'proxy') expect(obj(svc).ports, name).toBeUndefined();
    expect(arr(obj(composeServices.proxy).ports).map((p) => `${obj(p).published}:${obj(p).target}`)).toEqual([
      '8080:8080',
    ]);
  });

  it('links alert notifications to the proxy and leaves e-mail off until an SMTP host is given', async () => {
    const env = obj(obj(composeServices.alerter).environment);
    const port = obj(arr(obj(composeServices.proxy).ports)[0]).published;
    expect(new URL(String(env.MESH_TRACE_ALERTS_PUBLIC_URL)).port).toBe(String(port));
    const overridden = loadCompose({ ...composeEnv, MESH_TRACE_HTTP_PORT: '9090' });
    expect(obj(obj(obj(overridden.services).alerter).environment).MESH_TRACE_ALERTS_PUBLIC_URL).toBe(
      'http://localhost:9090',
    );
    const cfg = (await configModule('alerter')).loadConfig(
      Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)])),
    );
    expect(cfg.MESH_TRACE_SMTP_HOST).toBe('');
    expect(cfg.MESH_TRACE_ALERTS_ALLOW_HOSTS).toEqual([]);
    expect(cfg.MESH_TRACE_ALERTS_INTERVAL_MS).toBe(30_000);
  });

  it('mounts files that exist', () => {
    for (const [name, svc] of Object.entries(composeServices))
      for (const v of arr(obj(svc).volumes).map(obj)) {
        // Compose resolves bind sources to absolute paths; named volumes have no source file.
        if (v.type === 'bind') expect(existsSync(String(v.source)), `${name}: ${v.source}`).toBe(true);
      }
  });

  it.each(SERVICES)('gives %s every variable it reads', async (svc) => {
    const env = obj(obj(composeServices[svc]).environment);
    await expectCompleteEnv(
      svc,
      Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)])),
      'docker-compose.yml',
    );
  });
});

// ---------- proxy routes (compose nginx and the Kubernetes gateway) ----------

describe.each([
  ['deploy/compose/nginx/mesh-trace.conf', '$mesh_trace_ingest', '$mesh_trace_query'],
  ['deploy/k8s/base/gateway.conf', 'mesh_trace_ingest', 'mesh_trace_query'],
])('%s', (path, ingest, query) => {
  const conf = read(path);
  const locations = [...conf.matchAll(/location\s+(=|~\*?|\^~)?\s*(\S+)\s*\{([^}]*)\}/g)].map((m) => ({
    modifier: m[1] ?? '',
    pattern: m[2] ?? '',
    body: m[3] ?? '',
  }));
  /** The location nginx picks for a path: exact match, else the first matching regex, else the longest prefix. */
  const locate = (uri: string) => {
    const exact = locations.find((l) => l.modifier === '=' && l.pattern === uri);
    if (exact) return exact;
    const prefix = locations
      .filter((l) => (l.modifier === '' || l.modifier === '^~') && uri.startsWith(l.pattern))
      .sort((a, b) => b.pattern.length - a.pattern.length)[0];
    if (prefix?.modifier === '^~') return prefix;
    const regex = locations.find(
      (l) => l.modifier.startsWith('~') && new RegExp(l.pattern, l.modifier === '~*' ? 'i' : '').test(uri),
    );
    return regex ?? prefix;
  };
  const target = (uri: string) => /proxy_pass http:\/\/([$\w]+);/.exec(locate(uri)?.body ?? '')?.[1];
  /** An nginx time (`90`, `120s`, `5m`, `1h`; unset: the 60 s default) in seconds. */
  const seconds = (body = '') => {
    const m = /proxy_read_timeout (\d+)(s|m|h)?;/.exec(body);
    const unit: Record<string, number> = { s: 1, m: 60, h: 3600 };
    return m ? Number(m[1]) * (unit[m[2] ?? 's'] ?? 1) : 60;
  };

  it('routes ingest paths to ingest, POST /v1/traces by method, the rest to query', () => {
    expect(target('/v1/traces/batch')).toBe(ingest);
    expect(target('/v1/traces/4bf92f3577b34da6a3ce929d0e0e4736/complete')).toBe(ingest);
    expect(target('/api/v2/spans')).toBe(ingest);
    expect(target('/v1/traces')).toBe('$mesh_trace_traces_upstream');
    expect(conf).toMatch(
      /map \$request_method \$mesh_trace_traces_upstream \{\s+POST\s+[\w:-]*ingest[\w:-]*;\s+default\s+[\w:-]*query[\w:-]*;/,
    );
    for (const uri of [
      '/',
      '/assets/index.js',
      '/v1/traces/4bf92f3577b34da6a3ce929d0e0e4736',
      '/v1/traces/search',
      '/v1/alerts/rules',
      '/v1/alerts/rules/r1',
      '/v1/alerts/events',
      '/v1/agents/a1/live',
      '/healthz',
      '/metrics',
    ])
      expect(target(uri), uri).toBe(query);
  });

  it('streams the live SSE endpoint unbuffered, with a read timeout of at least an hour', () => {
    const live = locate('/v1/agents/a1/live');
    expect(live?.pattern, 'a location of its own').not.toBe('/');
    expect(live?.body).toMatch(/^\s*proxy_buffering off;/m);
    expect(seconds(live?.body)).toBeGreaterThanOrEqual(3600);
    // Other query routes keep a finite timeout above ClickHouse's 30 s request timeout.
    const rest = seconds(locate('/v1/alerts/rules')?.body);
    expect(rest).toBeGreaterThan(30);
    expect(rest).toBeLessThan(3600);
  });
});

// ---------- Kubernetes ----------

const k8sDocs = (path: string): Obj[] =>
  parseAllDocuments(read(path))
    .map((d) => obj(d.toJS()))
    .filter((o) => Object.keys(o).length > 0);
const kustomization = (dir: string) => obj(parse(read(`${dir}/kustomization.yaml`)));
const base = kustomization('deploy/k8s/base');
const baseObjects = arr(base.resources).flatMap((r) => k8sDocs(`deploy/k8s/base/${String(r)}`));
const byKind = (kind: string) => baseObjects.filter((o) => o.kind === kind);
const named = (kind: string, name: string) => {
  const found = byKind(kind).find((o) => obj(o.metadata).name === name);
  expect(found, `${kind} ${name}`).toBeDefined();
  return obj(found);
};
const baseConfig = envLines(read('deploy/k8s/base/config.env').split('\n'));

/** The overlay's effective ConfigMap (base config.env merged with its literals) and generated Secret keys. */
function overlay(name: string) {
  const k = kustomization(`deploy/k8s/overlays/${name}`);
  const gen = (key: string, gname: string) =>
    arr(k[key])
      .map(obj)
      .filter((g) => g.name === gname)
      .flatMap((g) => arr(g.literals).map(String));
  const patchValue = (kind: string, nameRe: string, path: string): unknown => {
    for (const p of arr(k.patches).map(obj)) {
      const t = obj(p.target);
      if (t.kind !== kind || !new RegExp(`^${String(t.name)}$`).test(nameRe)) continue;
      const op = arr(parse(String(p.patch)))
        .map(obj)
        .find((o) => o.path === path);
      if (op) return op.value;
    }
    return undefined;
  };
  return {
    config: { ...baseConfig, ...envLines(gen('configMapGenerator', 'mesh-trace-config')) },
    secrets: envLines(gen('secretGenerator', 'mesh-trace-secrets')),
    patchValue,
    kustomization: k,
  };
}

describe('deploy/k8s', () => {
  it('every base manifest and overlay resource validates against the Kubernetes schemas', async () => {
    const objects = [...baseObjects];
    for (const o of ['dev', 'prod'])
      for (const r of arr(overlay(o).kustomization.resources).map(String))
        if (!r.startsWith('..')) objects.push(...k8sDocs(`deploy/k8s/overlays/${o}/${r}`));
    objects.push(...k8sDocs('deploy/k8s/overlays/prod/secret.example.yaml'));
    for (const o of objects) {
      const mod = (await import(`kubernetes-models/${String(o.apiVersion)}`)) as Record<
        string,
        new (
          data: unknown,
        ) => { validate(): void }
      >;
      const Model = mod[String(o.kind)];
      expect(Model, `${String(o.apiVersion)} ${String(o.kind)}`).toBeDefined();
      if (Model) expect(() => new Model(o).validate(), `${o.kind} ${obj(o.metadata).name}`).not.toThrow();
    }
    expect(objects.length).toBeGreaterThanOrEqual(16);
  });

  it('references files that exist', () => {
    for (const dir of ['deploy/k8s/base', 'deploy/k8s/overlays/dev', 'deploy/k8s/overlays/prod']) {
      const k = kustomization(dir);
      for (const r of arr(k.resources).map(String))
        expect(existsSync(`${root}${dir}/${r}`), `${dir}: ${r}`).toBe(true);
      for (const g of arr(k.configMapGenerator).map(obj))
        for (const f of [...arr(g.envs), ...arr(g.files).map((x) => String(x).split('=').pop())])
          expect(existsSync(`${root}${dir}/${String(f)}`), `${dir}: ${String(f)}`).toBe(true);
    }
  });

  it.each(SERVICES)('%s: probes, resources, scrape annotations, graceful stop, HPA, PDB', (svc) => {
    const name = `mesh-trace-${svc}`;
    const dep = named('Deployment', name);
    const spec = obj(dep.spec);
    if (AUTOSCALED.includes(svc)) expect(spec.replicas, 'the HPA owns replicas').toBeUndefined();
    const tpl = obj(spec.template);
    const pod = obj(tpl.spec);
    const [c] = arr(pod.containers).map(obj);
    const container = obj(c);
    const port = arr(container.ports).map(obj)[0];
    expect(obj(port).containerPort).toBe(PORTS[svc]);
    const probe = (p: string) => obj(obj(container[p]).httpGet);
    expect(probe('livenessProbe').path).toBe('/healthz');
    expect(probe('readinessProbe').path).toBe('/readyz');
    expect(probe('startupProbe').path).toBe('/healthz');
    for (const p of ['livenessProbe', 'readinessProbe', 'startupProbe'])
      expect(probe(p).port).toBe(obj(port).name);
    const res = obj(container.resources);
    for (const k of ['requests', 'limits'])
      expect(Object.keys(obj(res[k])).sort(), k).toEqual(['cpu', 'memory']);
    const ann = obj(obj(tpl.metadata).annotations);
    expect(ann).toMatchObject({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': String(PORTS[svc]),
      'prometheus.io/path': '/metrics',
    });
    expect(pod.enableServiceLinks, 'service links would clobber MESH_TRACE_*_PORT').toBe(false);
    expect(obj(pod.securityContext).runAsNonRoot).toBe(true);
    expect(arr(obj(obj(obj(container.lifecycle).preStop).exec).command)[0]).toBe('sleep');
    // The services stop under a 30 s hard limit of their own; Kubernetes must not SIGKILL before it.
    expect(Number(pod.terminationGracePeriodSeconds)).toBeGreaterThan(30 + 5);
    const pdb = named('PodDisruptionBudget', name);
    expect(obj(obj(pdb.spec).selector).matchLabels).toEqual(obj(spec.selector).matchLabels);
    const scalers = byKind('HorizontalPodAutoscaler').filter(
      (h) => obj(obj(h.spec).scaleTargetRef).name === name,
    );
    if (AUTOSCALED.includes(svc)) {
      const hpa = named('HorizontalPodAutoscaler', name);
      expect(obj(obj(hpa.spec).scaleTargetRef)).toMatchObject({ kind: 'Deployment', name });
      expect(JSON.stringify(obj(hpa.spec).metrics)).toContain('"cpu"');
    } else {
      // One active evaluator (the Redis lease holder): a leader and a standby, never autoscaled, and a
      // drain must leave one of them running.
      expect(scalers).toEqual([]);
      expect(spec.replicas).toBe(2);
      expect(obj(pdb.spec).minAvailable).toBe(1);
      expect(obj(obj(spec.strategy).rollingUpdate).maxUnavailable).toBe(0);
    }
  });

  it.each(['dev', 'prod'])('%s: retags every service image and patches no alerter into an HPA', (name) => {
    const o = overlay(name);
    const images = arr(o.kustomization.images).map((i) => String(obj(i).name));
    for (const svc of SERVICES) expect(images, svc).toContain(`mesh-trace/${svc}`);
    for (const p of arr(o.kustomization.patches).map(obj))
      if (obj(p.target).kind === 'HorizontalPodAutoscaler')
        expect(new RegExp(`^${String(obj(p.target).name)}$`).test('mesh-trace-alerter')).toBe(false);
  });

  it.each(['dev', 'prod'])('%s: writer maxReplicas equals KAFKA_PARTITIONS', (name) => {
    const o = overlay(name);
    const baseMax = obj(named('HorizontalPodAutoscaler', 'mesh-trace-writer').spec).maxReplicas;
    const max = o.patchValue('HorizontalPodAutoscaler', 'mesh-trace-writer', '/spec/maxReplicas') ?? baseMax;
    expect(max).toBe(Number(o.config.KAFKA_PARTITIONS));
  });

  it.each(
    SERVICES.flatMap((svc) => [
      ['dev', svc],
      ['prod', svc],
    ]),
  )('%s: %s gets every variable it reads', async (name, svc) => {
    const o = overlay(name);
    const prodSecret = obj(k8sDocs('deploy/k8s/overlays/prod/secret.example.yaml')[0]);
    const secretKeys = name === 'prod' ? Object.keys(obj(prodSecret.stringData)) : Object.keys(o.secrets);
    const container = obj(
      arr(obj(obj(obj(named('Deployment', `mesh-trace-${svc}`).spec).template).spec).containers)[0],
    );
    const env: Env = { ...o.config };
    for (const e of arr(container.env).map(obj)) {
      const ref = obj(obj(e.valueFrom).secretKeyRef);
      if (e.value !== undefined) env[String(e.name)] = String(e.value);
      else if (obj(e.valueFrom).fieldRef) env[String(e.name)] = `${svc}-7d9f8b6c5-x2x4q`;
      // An optional key the Secret does not hold leaves the variable unset (OPTIONAL_UNSET must allow it).
      else if (ref.optional === true && !secretKeys.includes(String(ref.key))) continue;
      else {
        expect(secretKeys, `${name}: secret key ${String(ref.key)}`).toContain(ref.key);
        env[String(e.name)] = o.secrets[String(ref.key)] ?? TEST_SECRETS[String(ref.key)] ?? '';
      }
    }
    await expectCompleteEnv(svc, env, `deploy/k8s/overlays/${name}`);
  });
});
