import { type FormEvent, useState } from 'react';
import { api, type KeyView, type NodeView, SCOPES } from '../api.js';
import { Async, DataTable, ErrorBox, FieldError, StatusBadge } from '../components.js';
import { formatSeconds, formatTime } from '../format.js';
import { useLoad } from '../use-api.js';

export function SettingsPage() {
  return (
    <section aria-labelledby="settings-title">
      <h1 id="settings-title">Settings</h1>
      <ApiKeys />
      <Nodes />
    </section>
  );
}

function ApiKeys() {
  const keys = useLoad((signal) => api<{ data: KeyView[] }>('/v1/api-keys', { signal }), []);
  const [secret, setSecret] = useState<{ key: string; what: string } | null>(null);
  const [actionError, setActionError] = useState<Error | null>(null);
  const act = async (what: () => Promise<void>) => {
    setActionError(null);
    try {
      await what();
      keys.reload();
    } catch (err) {
      setActionError(err as Error);
    }
  };
  const revoke = (k: KeyView) =>
    window.confirm(
      `Revoke the key ${k.prefix}…${k.name ? ` (${k.name})` : ''}? Clients using it stop working within seconds.`,
    ) &&
    act(async () => {
      await api(`/v1/api-keys/${encodeURIComponent(k.id)}`, { method: 'DELETE' });
    });
  const rotate = (k: KeyView) =>
    window.confirm(`Rotate ${k.prefix}…? A new secret replaces it and the old one is revoked.`) &&
    act(async () => {
      const r = await api<{ key: string }>(`/v1/api-keys/${encodeURIComponent(k.id)}/rotate`, {
        method: 'POST',
      });
      setSecret({ key: r.key, what: `The new secret of ${k.name || k.prefix}` });
    });
  return (
    <>
      <h2>API keys</h2>
      <CreateKey
        onCreated={(key, name) => {
          setSecret({ key, what: `The secret of ${name || 'the new key'}` });
          keys.reload();
        }}
      />
      {secret ? (
        <div className="secret-box" role="status">
          <strong>{secret.what}: copy it now, it is shown only once.</strong>
          <div className="secret-row">
            <input
              readOnly
              value={secret.key}
              className="mono"
              aria-label="New API key secret"
              onFocus={(e) => e.target.select()}
            />
            <button type="button" onClick={() => void navigator.clipboard?.writeText(secret.key)}>
              Copy
            </button>
            <button type="button" className="link-button" onClick={() => setSecret(null)}>
              Done
            </button>
          </div>
        </div>
      ) : null}
      {actionError ? <ErrorBox error={actionError} /> : null}
      <Async
        value={keys}
        onRetry={keys.reload}
        isEmpty={(k) => k.data.length === 0}
        empty="No keys in this organisation."
      >
        {(k) => (
          <DataTable
            label="API keys"
            columns={['Key', 'Name', 'Env', 'Scopes', 'Agent', 'Created', 'State', 'Actions']}
          >
            {k.data.map((key) => (
              <tr key={key.id} data-key-id={key.id} className={key.revoked_at ? 'is-revoked' : ''}>
                <td className="mono">{key.prefix}…</td>
                <td>{key.name || <span className="muted">—</span>}</td>
                <td>{key.env}</td>
                <td>{key.scopes.join(', ')}</td>
                <td>{key.agent_id ?? <span className="muted">—</span>}</td>
                <td>{formatTime(key.created_at)}</td>
                <td>{key.revoked_at ? <StatusBadge status="revoked" /> : <StatusBadge status="active" />}</td>
                <td>
                  <div className="actions">
                    {key.revoked_at ? null : (
                      <>
                        <button
                          type="button"
                          onClick={() => rotate(key)}
                          aria-label={`Rotate ${key.name || key.prefix}`}
                        >
                          Rotate
                        </button>
                        <button
                          type="button"
                          className="danger"
                          onClick={() => revoke(key)}
                          aria-label={`Revoke ${key.name || key.prefix}`}
                        >
                          Revoke
                        </button>
                      </>
                    )}
                  </div>
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      </Async>
    </>
  );
}

function CreateKey({ onCreated }: { onCreated: (key: string, name: string) => void }) {
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Set<string>>(new Set(['read']));
  const [env, setEnv] = useState<'' | 'live' | 'sandbox'>('');
  const [agent, setAgent] = useState('');
  const [error, setError] = useState<Error | null>(null);
  const [scopeError, setScopeError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (scopes.size === 0) {
      setScopeError('Pick at least one scope');
      return;
    }
    setScopeError('');
    setError(null);
    setBusy(true);
    try {
      const body: Record<string, unknown> = { scopes: SCOPES.filter((s) => scopes.has(s)) };
      if (name.trim()) body.name = name.trim();
      if (env) body.env = env;
      if (agent.trim()) body.agent_id = agent.trim();
      const created = await api<{ key: string }>('/v1/api-keys', { method: 'POST', body });
      onCreated(created.key, name.trim());
      setName('');
      setAgent('');
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card" onSubmit={submit} aria-label="Create an API key">
      <div className="form-grid">
        <label>
          Name
          <input value={name} onChange={(e) => setName(e.target.value)} placeholder="ci-ingest" />
        </label>
        <fieldset className="scopes" aria-describedby={scopeError ? 'scope-error' : undefined}>
          <legend>Scopes</legend>
          {SCOPES.map((s) => (
            <label key={s} className="inline">
              <input
                type="checkbox"
                checked={scopes.has(s)}
                onChange={(e) => {
                  const next = new Set(scopes);
                  if (e.target.checked) next.add(s);
                  else next.delete(s);
                  setScopes(next);
                }}
              />{' '}
              {s}
            </label>
          ))}
          <FieldError id="scope-error" message={scopeError} />
        </fieldset>
        <label>
          Environment
          <select value={env} onChange={(e) => setEnv(e.target.value as typeof env)}>
            <option value="">same as mine</option>
            <option value="live">live (mtk_live_)</option>
            <option value="sandbox">sandbox (mtk_test_)</option>
          </select>
        </label>
        <label>
          Bound to agent (optional)
          <input value={agent} onChange={(e) => setAgent(e.target.value)} placeholder="agent_123" />
        </label>
      </div>
      {error ? <ErrorBox error={error} /> : null}
      <button type="submit" disabled={busy}>
        {busy ? 'Creating…' : 'Create key'}
      </button>
    </form>
  );
}

function Nodes() {
  const nodes = useLoad((signal) => api<{ data: NodeView[] }>('/v1/nodes', { signal }), []);
  const [error, setError] = useState<Error | null>(null);
  const toggle = async (n: NodeView) => {
    const action = n.draining ? 'resume' : 'drain';
    if (
      action === 'drain' &&
      !window.confirm(`Drain ${n.node_id}? It stops taking new traffic within 5 seconds.`)
    )
      return;
    setError(null);
    try {
      await api(`/v1/nodes/${encodeURIComponent(n.node_id)}/${action}`, { method: 'POST' });
      nodes.reload();
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <>
      <div className="title-row">
        <h2>Collector nodes</h2>
        <button type="button" onClick={nodes.reload}>
          Refresh
        </button>
      </div>
      {error ? <ErrorBox error={error} /> : null}
      <Async
        value={nodes}
        onRetry={nodes.reload}
        isEmpty={(n) => n.data.length === 0}
        empty="No ingest or writer node has reported a heartbeat."
      >
        {(n) => (
          <DataTable
            label="Collector nodes"
            columns={['Node', 'Role', 'Host', 'Status', 'Heartbeat', 'Version', 'Actions']}
          >
            {n.data.map((node) => (
              <tr key={node.node_id}>
                <td className="mono small">{node.node_id}</td>
                <td>{node.role}</td>
                <td>{node.hostname}</td>
                <td>
                  <StatusBadge status={node.status} />
                  {node.draining ? <StatusBadge status="draining" /> : null}
                </td>
                <td>{formatSeconds(node.heartbeat_age_s)}</td>
                <td>{node.version}</td>
                <td>
                  <button
                    type="button"
                    className={node.draining ? '' : 'danger'}
                    onClick={() => toggle(node)}
                  >
                    {node.draining ? 'Resume' : 'Drain'}
                  </button>
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      </Async>
    </>
  );
}
