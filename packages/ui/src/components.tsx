import type { ReactNode } from 'react';
import type { Loadable } from './use-api.js';

/** The loading, error and empty states every page shows the same way. */
export function Async<T>({
  value,
  empty,
  isEmpty,
  children,
  onRetry,
}: {
  value: Loadable<T>;
  empty?: ReactNode;
  isEmpty?: (data: T) => boolean;
  children: (data: T) => ReactNode;
  onRetry?: () => void;
}) {
  if (value.state === 'loading') return <Loading />;
  if (value.state === 'error') return <ErrorBox error={value.error} onRetry={onRetry} />;
  if (isEmpty?.(value.data)) return <div className="empty">{empty ?? 'Nothing here yet.'}</div>;
  return <>{children(value.data)}</>;
}

export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <div className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> {what}…
    </div>
  );
}

/** Errors of the UI's client (ApiError) and of the SDK (MeshTraceError) carry the same fields. */
interface HttpErrorFields {
  status?: number;
  details?: { path: string; message: string }[];
  requestId?: string;
}

export function ErrorBox({ error, onRetry }: { error: Error; onRetry?: () => void }) {
  const api = error as Error & HttpErrorFields;
  return (
    <div className="error-box" role="alert">
      <strong>
        {api.status === 404 ? 'Not found' : api.status === 403 ? 'Not allowed' : 'Something went wrong'}
      </strong>
      <p>{error.message}</p>
      {api.details?.length ? (
        <ul>
          {api.details.map((d) => (
            <li key={`${d.path}:${d.message}`}>
              <code>{d.path}</code>: {d.message}
            </li>
          ))}
        </ul>
      ) : null}
      {api.requestId ? <p className="muted">request id {api.requestId}</p> : null}
      {onRetry ? (
        <button type="button" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

/** The field error under an input, tied to it with aria-describedby. */
export function FieldError({ id, message }: { id: string; message?: string }) {
  if (!message) return null;
  return (
    <span className="field-error" id={id} role="alert">
      {message}
    </span>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge badge-${status}`}>{status}</span>;
}

/** Attributes as a two-column table, keys sorted. */
export function KeyValues({ values, empty = 'none' }: { values: Record<string, unknown>; empty?: string }) {
  const keys = Object.keys(values).sort();
  if (keys.length === 0) return <p className="muted">{empty}</p>;
  return (
    <table className="kv">
      <tbody>
        {keys.map((k) => (
          <tr key={k}>
            <th scope="row">{k}</th>
            <td>{typeof values[k] === 'string' ? (values[k] as string) : JSON.stringify(values[k])}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function Json({ value }: { value: unknown }) {
  if (value === null || value === undefined) return <p className="muted">none</p>;
  return <pre className="json">{typeof value === 'string' ? value : JSON.stringify(value, null, 2)}</pre>;
}

/** A data table with its header row; `num` columns are right-aligned. Rows are the children. */
export function DataTable({
  label,
  columns,
  className = '',
  children,
}: {
  label?: string;
  columns: (string | { label: string; num?: boolean; className?: string })[];
  className?: string;
  children: ReactNode;
}) {
  return (
    <table className={`data ${className}`} aria-label={label}>
      <thead>
        <tr>
          {columns.map((c) => {
            const col = typeof c === 'string' ? { label: c } : c;
            return (
              <th
                key={col.label}
                scope="col"
                className={`${col.num ? 'num' : ''} ${col.className ?? ''}`.trim() || undefined}
              >
                {col.label}
              </th>
            );
          })}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  );
}
