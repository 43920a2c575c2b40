import { randomUUID } from 'node:crypto';
import { requireAuth } from '@mesh-trace/auth';
import { BaseError, DependencyUnavailableError, NotFoundError, ValidationError } from '@mesh-trace/errors';
import { jsonBody } from '@mesh-trace/http';
import {
  type AlertChannel,
  type AlertRuleRecord,
  type AlertRuleSpec,
  type AlertScope,
  alertRuleSpecSchema,
  getAlertRule,
  holderOf,
  type LeaseStore,
  listAlertRules,
  MAX_RULES_PER_ENV,
  MemoryLeaseStore,
  RedisLeaseStore,
  writeAlertRule,
} from '@mesh-trace/storage';
import type { Express, RequestHandler } from 'express';
import type { QueryDeps } from '../app.js';
import { authOf, parseBody } from '../params.js';

/** Webhook secrets are never returned; sending this value back in a PATCH keeps the stored secret. */
export const SECRET_MASK = '********';
const LOCK_TTL_MS = 10_000;
const LOCK_WAIT_MS = 5_000;
const ID = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * A channel as the API shows it: credentials masked. A webhook's secret, a Slack incoming-webhook URL
 * (the URL is the credential) and a PagerDuty routing key let anyone with the value post as the org.
 */
export function maskChannel(c: AlertChannel): AlertChannel {
  switch (c.type) {
    case 'webhook':
      return c.secret === undefined ? c : { ...c, secret: SECRET_MASK };
    case 'slack':
      return { ...c, webhook_url: `${new URL(c.webhook_url).origin}/${SECRET_MASK}` };
    case 'pagerduty':
      return { ...c, routing_key: `${SECRET_MASK}${c.routing_key.slice(-4)}` };
    case 'email':
      return c;
  }
}

/** The rule as the API returns it: the request fields with defaults, plus id, times and version. */
export function ruleView(rec: AlertRuleRecord) {
  return {
    id: rec.id,
    ...rec.spec,
    channels: rec.spec.channels.map(maskChannel),
    created_at: rec.created_at,
    updated_at: rec.updated_at,
    version: rec.version,
  };
}

/**
 * Writes to one org/env's rules run one at a time, across every replica, under a lease: each PATCH
 * reads the latest version and writes version + 1, so two concurrent PATCHes both land (the second
 * applies on top of the first) and the name check cannot race a concurrent create. ClickHouse has no
 * compare-and-set; the lease provides it.
 */
async function withRuleLock<T>(leases: LeaseStore, scope: AlertScope, fn: () => Promise<T>): Promise<T> {
  const key = `mesh-trace:alert-rules:${encodeURIComponent(scope.org_id)}:${scope.env}`;
  const owner = randomUUID();
  const deadline = Date.now() + LOCK_WAIT_MS;
  let fence: number | undefined;
  while (fence === undefined) {
    try {
      fence = await leases.acquire(key, owner, LOCK_TTL_MS);
    } catch (err) {
      throw new DependencyUnavailableError('lock store (Redis)', err);
    }
    if (fence !== undefined) break;
    if (Date.now() > deadline) throw new DependencyUnavailableError('rule lock (busy)', undefined, 1);
    await new Promise((r) => setTimeout(r, 20 + Math.random() * 30));
  }
  try {
    return await fn();
  } finally {
    await leases.release(key, holderOf(owner, fence)).catch(() => undefined);
  }
}

/** `If-Match: 3`, `"3"` or `W/"3"`; undefined when absent. */
function ifMatchVersion(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const m = /^\s*(?:W\/)?"?(\d{1,15})"?\s*$/.exec(header);
  if (!m?.[1])
    throw new ValidationError(
      'Invalid If-Match header',
      [{ path: 'If-Match', message: 'must be the rule version, e.g. "3"' }],
      'invalid_request',
    );
  return Number(m[1]);
}

/** Masked secrets sent back unchanged keep the stored secret of the webhook with the same URL. */
function unmaskSecrets(channels: unknown, previous: AlertChannel[]): unknown {
  if (!Array.isArray(channels)) return channels;
  return channels.map((c: unknown, i) => {
    if (typeof c !== 'object' || c === null) return c;
    const ch = c as Record<string, unknown>;
    if (ch.type === 'webhook' && ch.secret === SECRET_MASK) {
      const same = previous.find((p) => p.type === 'webhook' && p.url === ch.url);
      if (same?.type === 'webhook' && same.secret !== undefined) return { ...ch, secret: same.secret };
      throw new ValidationError(
        'Invalid alert rule',
        [{ path: `channels[${i}].secret`, message: 'is the mask: send the secret itself for a new URL' }],
        'invalid_request',
      );
    }
    // A masked Slack URL or PagerDuty key sent back unchanged keeps the stored one it masks.
    const field = ch.type === 'slack' ? 'webhook_url' : ch.type === 'pagerduty' ? 'routing_key' : undefined;
    if (field === undefined || typeof ch[field] !== 'string' || !(ch[field] as string).includes(SECRET_MASK))
      return c;
    const same = previous.find(
      (p) => p.type === ch.type && (maskChannel(p) as Record<string, unknown>)[field] === ch[field],
    );
    if (same) return { ...ch, [field]: (same as Record<string, unknown>)[field] };
    throw new ValidationError(
      'Invalid alert rule',
      [
        {
          path: `channels[${i}].${field}`,
          message: 'is a masked value no stored channel has: send the value itself',
        },
      ],
      'invalid_request',
    );
  });
}

/** 409 when the caller's version (If-Match or `version`) is not the stored one. */
function checkVersion(current: AlertRuleRecord, wanted: number | undefined): void {
  if (wanted !== undefined && wanted !== current.version)
    throw new BaseError('conflict', 'The rule was changed since that version', {
      details: [{ path: 'version', message: `is ${current.version}, not ${wanted}: re-read the rule` }],
    });
}

function duplicateName(name: string): BaseError {
  return new BaseError('conflict', `An alert rule named "${name}" already exists`, {
    details: [{ path: 'name', message: 'is already used by another rule in this organisation' }],
  });
}

async function assertNameFree(deps: QueryDeps, scope: AlertScope, spec: AlertRuleSpec, selfId?: string) {
  const rules = await listAlertRules(deps.ch, scope);
  if (rules.some((r) => r.id !== selfId && r.spec.name.toLowerCase() === spec.name.toLowerCase()))
    throw duplicateName(spec.name);
  if (selfId === undefined && rules.length >= MAX_RULES_PER_ENV)
    throw new BaseError('conflict', `At most ${MAX_RULES_PER_ENV} alert rules per environment`);
}

/** Alert rules (API.md §6): `read` to list and get, `alerts:write` to create, change and delete. */
export function registerAlertRules(app: Express, deps: QueryDeps, limit: RequestHandler): void {
  const leases: LeaseStore =
    deps.leases ?? (deps.redis ? new RedisLeaseStore(deps.redis) : new MemoryLeaseStore());
  const read = [requireAuth(deps.auth, 'read'), limit];
  const write = [requireAuth(deps.auth, 'alerts:write'), limit];
  const body = jsonBody({ limitBytes: 64 * 1024 });
  const scopeOf = (req: Express['request']): AlertScope => {
    const auth = authOf(req);
    return { org_id: auth.org_id, env: auth.env };
  };
  const existing = async (scope: AlertScope, id: string) => {
    const rec = ID.test(id) ? await getAlertRule(deps.ch, scope, id) : undefined;
    if (!rec || rec.deleted) throw new NotFoundError('Alert rule not found');
    return rec;
  };

  app.post('/v1/alerts/rules', ...write, ...body, async (req, res) => {
    const scope = scopeOf(req);
    const spec = parseBody(alertRuleSpecSchema, req.body, 'Invalid alert rule');
    const rec = await withRuleLock(leases, scope, async () => {
      await assertNameFree(deps, scope, spec);
      const now = new Date().toISOString();
      const created: AlertRuleRecord = {
        ...scope,
        id: randomUUID(),
        version: 1,
        deleted: false,
        spec,
        created_at: now,
        updated_at: now,
      };
      await writeAlertRule(deps.ch, created);
      return created;
    });
    deps.logger.info({ org_id: scope.org_id, rule_id: rec.id }, 'alert_rule_created');
    res.status(201).setHeader('ETag', `"${rec.version}"`).json(ruleView(rec));
  });

  app.get('/v1/alerts/rules', ...read, async (req, res) => {
    const rules = await listAlertRules(deps.ch, scopeOf(req));
    res.json({ data: rules.map(ruleView), next_cursor: null });
  });

  app.get('/v1/alerts/rules/:id', ...read, async (req, res) => {
    const rec = await existing(scopeOf(req), String(req.params.id));
    res.setHeader('ETag', `"${rec.version}"`).json(ruleView(rec));
  });

  app.patch('/v1/alerts/rules/:id', ...write, ...body, async (req, res) => {
    const scope = scopeOf(req);
    const expected = ifMatchVersion(req.get('if-match'));
    const patch: unknown = req.body;
    if (typeof patch !== 'object' || patch === null || Array.isArray(patch))
      throw new ValidationError(
        'Invalid alert rule',
        [{ path: '', message: 'must be a JSON object' }],
        'invalid_request',
      );
    // Echoed read-only fields (id, version, times) are ignored, so a client may send back a whole rule.
    const { id: _id, version, created_at: _c, updated_at: _u, ...fields } = patch as Record<string, unknown>;
    const wanted = expected ?? (typeof version === 'number' ? version : undefined);
    const rec = await withRuleLock(leases, scope, async () => {
      const current = await existing(scope, String(req.params.id));
      checkVersion(current, wanted);
      const cond = fields.condition;
      const merged = {
        ...current.spec,
        ...fields,
        condition:
          typeof cond === 'object' && cond !== null && !Array.isArray(cond)
            ? { ...current.spec.condition, ...cond }
            : (cond ?? current.spec.condition),
        channels:
          fields.channels === undefined
            ? current.spec.channels
            : unmaskSecrets(fields.channels, current.spec.channels),
      };
      const spec = parseBody(alertRuleSpecSchema, merged, 'Invalid alert rule');
      if (spec.name.toLowerCase() !== current.spec.name.toLowerCase())
        await assertNameFree(deps, scope, spec, current.id);
      const next: AlertRuleRecord = {
        ...current,
        version: current.version + 1,
        spec,
        updated_at: new Date().toISOString(),
      };
      await writeAlertRule(deps.ch, next);
      return next;
    });
    deps.logger.info({ org_id: scope.org_id, rule_id: rec.id, version: rec.version }, 'alert_rule_updated');
    res.setHeader('ETag', `"${rec.version}"`).json(ruleView(rec));
  });

  app.delete('/v1/alerts/rules/:id', ...write, async (req, res) => {
    const scope = scopeOf(req);
    const expected = ifMatchVersion(req.get('if-match'));
    const rec = await withRuleLock(leases, scope, async () => {
      const current = await existing(scope, String(req.params.id));
      checkVersion(current, expected);
      // A tombstone with a higher version: the delete wins over any older write.
      const gone = {
        ...current,
        version: current.version + 1,
        deleted: true,
        updated_at: new Date().toISOString(),
      };
      await writeAlertRule(deps.ch, gone);
      return gone;
    });
    deps.logger.info({ org_id: scope.org_id, rule_id: rec.id }, 'alert_rule_deleted');
    res.json({ id: rec.id, deleted: true });
  });
}
