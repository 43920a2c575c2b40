import { type FormEvent, useEffect, useState } from 'react';
import { ApiError, api, session, UNAUTHORIZED_EVENT } from './api.js';
import { AlertsPage } from './pages/alerts-page.js';
import { LivePage } from './pages/live-page.js';
import { ServiceMapPage } from './pages/service-map-page.js';
import { ServicesPage } from './pages/services-page.js';
import { SettingsPage } from './pages/settings-page.js';
import { TracePage } from './pages/trace-page.js';
import { TracesPage } from './pages/traces-page.js';
import { Link, useLocation } from './router.js';

const NAV = [
  { to: '/traces', label: 'Traces' },
  { to: '/map', label: 'Service map' },
  { to: '/services', label: 'Services' },
  { to: '/live', label: 'Live' },
  { to: '/alerts', label: 'Alerts' },
  { to: '/settings', label: 'Settings' },
];

export function App() {
  const [key, setKey] = useState(session.key);
  const [notice, setNotice] = useState('');
  useEffect(() => {
    const expired = () => {
      session.signOut();
      setKey(null);
      setNotice('The API key was refused (revoked or unknown). Sign in again.');
    };
    window.addEventListener(UNAUTHORIZED_EVENT, expired);
    return () => window.removeEventListener(UNAUTHORIZED_EVENT, expired);
  }, []);
  if (!key)
    return (
      <SignIn
        notice={notice}
        onSignedIn={(k) => {
          session.signIn(k);
          setNotice('');
          setKey(k);
        }}
      />
    );
  return (
    <Shell
      onSignOut={() => {
        session.signOut();
        setKey(null);
      }}
    />
  );
}

function Shell({ onSignOut }: { onSignOut: () => void }) {
  const loc = useLocation();
  const section = `/${loc.path.split('/')[1] ?? ''}`;
  useEffect(() => {
    const label = NAV.find((n) => n.to === section || (section === '/trace' && n.to === '/traces'))?.label;
    document.title = label ? `${label} · Mesh-Trace` : 'Mesh-Trace';
  }, [section]);
  return (
    <div className="shell">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/traces" className="brand">
          Mesh-Trace
        </Link>
        <nav aria-label="Main">
          {NAV.map((n) => (
            <Link
              key={n.to}
              to={n.to}
              aria-current={
                section === n.to || (n.to === '/traces' && section === '/trace') ? 'page' : undefined
              }
            >
              {n.label}
            </Link>
          ))}
        </nav>
        <span className="key-hint" title="The key is kept in this tab only (sessionStorage)">
          {session.key()?.slice(0, 12)}…
        </span>
        <button type="button" className="link-button" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <main id="main">
        <Route path={loc.path} search={loc.search} />
      </main>
    </div>
  );
}

function Route({ path, search }: { path: string; search: string }) {
  const traceId = /^\/traces\/([0-9a-fA-F]{32})\/?$/.exec(path)?.[1];
  if (traceId) return <TracePage traceId={traceId.toLowerCase()} search={search} />;
  switch (path.replace(/\/$/, '') || '/') {
    case '/':
    case '/traces':
      return <TracesPage search={search} />;
    case '/map':
      return <ServiceMapPage search={search} />;
    case '/services':
      return <ServicesPage />;
    case '/live':
      return <LivePage search={search} />;
    case '/alerts':
      return <AlertsPage />;
    case '/settings':
      return <SettingsPage />;
    default:
      return (
        <div className="empty">
          <h1>Page not found</h1>
          <p>
            <Link to="/traces">Go to traces</Link>
          </p>
        </div>
      );
  }
}

function SignIn({ notice, onSignedIn }: { notice: string; onSignedIn: (key: string) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState(notice);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const k = key.trim();
    if (!/^mtk_(live|test)_[A-Za-z0-9]{20,128}$/.test(k)) {
      setError('An API key looks like mtk_live_… or mtk_test_…');
      return;
    }
    setBusy(true);
    setError('');
    try {
      // Any read endpoint proves the key; services is a small one.
      await api('/v1/services', {
        key: k,
        query: { start_time: new Date(Date.now() - 60_000).toISOString() },
      });
      onSignedIn(k);
    } catch (err) {
      const api = err instanceof ApiError ? err : undefined;
      setError(
        api?.status === 401
          ? 'This key is unknown or revoked.'
          : api?.status === 403
            ? 'This key has no read scope: the explorer needs read (or admin).'
            : (err as Error).message,
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="signin">
      <form onSubmit={submit} aria-labelledby="signin-title">
        <h1 id="signin-title">Mesh-Trace</h1>
        <p className="muted">
          Sign in with an API key. It stays in this browser tab only and is sent to this server.
        </p>
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          type="password"
          autoComplete="off"
          spellCheck={false}
          value={key}
          onChange={(e) => setKey(e.target.value)}
          placeholder="mtk_live_…"
          aria-describedby={error ? 'signin-error' : undefined}
          aria-invalid={Boolean(error)}
          // biome-ignore lint/a11y/noAutofocus: the only field of the page
          autoFocus
        />
        {error ? (
          <p className="field-error" id="signin-error" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
        <p className="muted small">
          The all-in-one prints its admin key on start and keeps it in <code>.data/dev-admin-key</code>.
        </p>
      </form>
    </main>
  );
}
