import { type FormEvent, useState } from 'react';
import {
  CHANNEL_TYPES,
  type ChannelForm,
  describeCondition,
  EMPTY_RULE,
  METRICS,
  OPERATORS,
  type Rule,
  type RuleForm,
  ruleToForm,
  SEVERITIES,
  validateRule,
} from '../alert-rule.js';
import { type AlertEvent, ApiError, api, type Page } from '../api.js';
import { Async, DataTable, ErrorBox, FieldError, StatusBadge } from '../components.js';
import { formatTime } from '../format.js';
import { useLoad } from '../use-api.js';

/** A transition of GET /v1/alerts/events, with the fields the history shows. */
interface AlertEventRow extends AlertEvent {
  rule_name?: string;
  value?: number | null;
  threshold?: number;
}

export function AlertsPage() {
  const rules = useLoad(
    (signal) => api<Page<Rule>>('/v1/alerts/rules', { query: { limit: 200 }, signal }),
    [],
  );
  const events = useLoad(
    (signal) => api<Page<AlertEventRow>>('/v1/alerts/events', { query: { limit: 50 }, signal }),
    [],
  );
  const [editing, setEditing] = useState<Rule | 'new' | null>(null);
  const [actionError, setActionError] = useState<Error | null>(null);
  const remove = async (r: Rule) => {
    if (!window.confirm(`Delete the alert rule "${r.name}"?`)) return;
    setActionError(null);
    try {
      await api(`/v1/alerts/rules/${encodeURIComponent(r.id)}`, { method: 'DELETE' });
      rules.reload();
    } catch (err) {
      setActionError(err as Error);
    }
  };
  return (
    <section aria-labelledby="alerts-title">
      <div className="title-row">
        <h1 id="alerts-title">Alerts</h1>
        <button type="button" onClick={() => setEditing('new')} disabled={editing !== null}>
          New rule
        </button>
      </div>
      {editing ? (
        <RuleEditor
          rule={editing === 'new' ? undefined : editing}
          onDone={(changed) => {
            setEditing(null);
            if (changed) rules.reload();
          }}
        />
      ) : null}
      {actionError ? <ErrorBox error={actionError} /> : null}
      <h2>Rules</h2>
      <Async
        value={rules}
        onRetry={rules.reload}
        isEmpty={(p) => p.data.length === 0}
        empty="No alert rules yet. Create one to be told when a service's error rate or latency crosses a line."
      >
        {(p) => (
          <DataTable
            label="Alert rules"
            columns={['Name', 'Condition', 'Channels', 'Severity', 'Enabled', 'Actions']}
          >
            {p.data.map((r) => (
              <tr key={r.id} data-rule={r.name}>
                <td>{r.name}</td>
                <td className="mono small">{describeCondition(r.condition ?? {})}</td>
                <td>{(r.channels ?? []).map((c) => c.type).join(', ')}</td>
                <td>
                  <StatusBadge status={r.severity ?? 'warning'} />
                </td>
                <td>{r.enabled === false ? 'no' : 'yes'}</td>
                <td>
                  <div className="actions">
                    <button type="button" onClick={() => setEditing(r)} aria-label={`Edit ${r.name}`}>
                      Edit
                    </button>
                    <button
                      type="button"
                      className="danger"
                      onClick={() => remove(r)}
                      aria-label={`Delete ${r.name}`}
                    >
                      Delete
                    </button>
                  </div>
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      </Async>
      <h2>History</h2>
      <Async
        value={events}
        onRetry={events.reload}
        isEmpty={(p) => p.data.length === 0}
        empty="No alert has fired yet."
      >
        {(p) => (
          <DataTable
            label="Alert history"
            columns={['When', 'Rule', 'State', { label: 'Value / threshold', num: true }]}
          >
            {p.data.map((e) => (
              <tr key={e.id}>
                <td>{formatTime(e.at)}</td>
                <td>{e.rule_name ?? e.rule_id}</td>
                <td>
                  <StatusBadge status={e.state} />
                </td>
                <td className="num">
                  {e.value ?? 'no data'} / {e.threshold ?? '—'}
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      </Async>
    </section>
  );
}

function RuleEditor({ rule, onDone }: { rule?: Rule; onDone: (changed: boolean) => void }) {
  const [form, setForm] = useState<RuleForm>(rule ? ruleToForm(rule) : EMPTY_RULE);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [serverError, setServerError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof RuleForm>(k: K, v: RuleForm[K]) => setForm((f) => ({ ...f, [k]: v }));
  const setChannel = (i: number, c: Partial<ChannelForm>) =>
    setForm((f) => ({ ...f, channels: f.channels.map((x, j) => (j === i ? { ...x, ...c } : x)) }));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const v = validateRule(form);
    setErrors(v.errors);
    setServerError(null);
    if (!v.body) return;
    setBusy(true);
    try {
      // The version read is sent back: a rule changed meanwhile by someone else is a 409, not overwritten.
      if (rule)
        await api(`/v1/alerts/rules/${encodeURIComponent(rule.id)}`, {
          method: 'PATCH',
          body: typeof rule.version === 'number' ? { ...v.body, version: rule.version } : v.body,
        });
      else await api('/v1/alerts/rules', { method: 'POST', body: v.body });
      onDone(true);
    } catch (err) {
      // The server's field problems go under the fields they name.
      if (err instanceof ApiError && err.details.length) {
        const mapped: Record<string, string> = {};
        for (const d of err.details)
          mapped[d.path.replace(/^condition\./, '').replace(/^channels\[(\d+)\].*$/, 'channels.$1.target')] =
            d.message;
        setErrors(mapped);
      }
      setServerError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  const field = (name: keyof RuleForm & string) => ({
    'aria-invalid': Boolean(errors[name]),
    'aria-describedby': errors[name] ? `rule-${name}-error` : undefined,
  });
  return (
    <form
      className="card rule-form"
      onSubmit={submit}
      aria-label={rule ? `Edit rule ${rule.name}` : 'New alert rule'}
      noValidate
    >
      <h2>{rule ? `Edit “${rule.name}”` : 'New alert rule'}</h2>
      <div className="form-grid">
        <label>
          Name
          <input value={form.name} onChange={(e) => set('name', e.target.value)} {...field('name')} />
          <FieldError id="rule-name-error" message={errors.name} />
        </label>
        <label>
          Metric
          <select value={form.metric} onChange={(e) => set('metric', e.target.value as RuleForm['metric'])}>
            {METRICS.map((m) => (
              <option key={m}>{m}</option>
            ))}
          </select>
        </label>
        <label>
          Service (optional)
          <input
            value={form.service}
            onChange={(e) => set('service', e.target.value)}
            placeholder="all services"
          />
        </label>
        <label>
          Operator
          <select
            value={form.operator}
            onChange={(e) => set('operator', e.target.value as RuleForm['operator'])}
          >
            {OPERATORS.map((o) => (
              <option key={o}>{o}</option>
            ))}
          </select>
        </label>
        <label>
          Threshold
          <input
            inputMode="decimal"
            value={form.threshold}
            onChange={(e) => set('threshold', e.target.value)}
            placeholder={
              form.metric === 'error_rate' ? '0.05' : form.metric === 'throughput' ? 'spans/min' : 'ms'
            }
            {...field('threshold')}
          />
          <FieldError id="rule-threshold-error" message={errors.threshold} />
        </label>
        <label>
          Window
          <input value={form.window} onChange={(e) => set('window', e.target.value)} {...field('window')} />
          <FieldError id="rule-window-error" message={errors.window} />
        </label>
        <label>
          For
          <input value={form.for} onChange={(e) => set('for', e.target.value)} {...field('for')} />
          <FieldError id="rule-for-error" message={errors.for} />
        </label>
        <label>
          Severity
          <select
            value={form.severity}
            onChange={(e) => set('severity', e.target.value as RuleForm['severity'])}
          >
            {SEVERITIES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label className="inline">
          <input type="checkbox" checked={form.enabled} onChange={(e) => set('enabled', e.target.checked)} />{' '}
          Enabled
        </label>
      </div>
      <fieldset>
        <legend>Channels</legend>
        <FieldError id="rule-channels-error" message={errors.channels} />
        {form.channels.map((c, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: channels have no identity of their own
          <div className="channel-row" key={i}>
            <select
              aria-label={`Channel ${i + 1} type`}
              value={c.type}
              onChange={(e) => setChannel(i, { type: e.target.value as ChannelForm['type'] })}
            >
              {CHANNEL_TYPES.map((t) => (
                <option key={t}>{t}</option>
              ))}
            </select>
            <input
              aria-label={`Channel ${i + 1} ${c.type === 'email' ? 'addresses' : c.type === 'pagerduty' ? 'routing key' : 'URL'}`}
              value={c.target}
              onChange={(e) => setChannel(i, { target: e.target.value })}
              placeholder={
                c.type === 'email'
                  ? 'oncall@example.com, …'
                  : c.type === 'pagerduty'
                    ? 'routing key'
                    : 'https://…'
              }
              aria-invalid={Boolean(errors[`channels.${i}.target`])}
              aria-describedby={errors[`channels.${i}.target`] ? `rule-ch-${i}-error` : undefined}
            />
            {c.type === 'webhook' ? (
              <input
                aria-label={`Channel ${i + 1} signing secret`}
                value={c.secret}
                onChange={(e) => setChannel(i, { secret: e.target.value })}
                placeholder="signing secret (optional)"
              />
            ) : null}
            <button
              type="button"
              className="link-button"
              onClick={() => setForm((f) => ({ ...f, channels: f.channels.filter((_, j) => j !== i) }))}
              aria-label={`Remove channel ${i + 1}`}
            >
              Remove
            </button>
            <FieldError id={`rule-ch-${i}-error`} message={errors[`channels.${i}.target`]} />
          </div>
        ))}
        <button
          type="button"
          onClick={() =>
            setForm((f) => ({ ...f, channels: [...f.channels, { type: 'webhook', target: '', secret: '' }] }))
          }
        >
          Add channel
        </button>
      </fieldset>
      {serverError ? <ErrorBox error={serverError} /> : null}
      <div className="form-actions">
        <button type="submit" disabled={busy}>
          {busy ? 'Saving…' : rule ? 'Save rule' : 'Create rule'}
        </button>
        <button type="button" className="link-button" onClick={() => onDone(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
