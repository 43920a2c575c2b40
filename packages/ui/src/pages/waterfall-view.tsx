import { type KeyboardEvent, type PointerEvent, useEffect, useMemo, useRef, useState } from 'react';
import type { AgentEvent, Span } from '../api.js';
import { formatDuration, isoToMs } from '../format.js';
import {
  barGeometry,
  serviceColour,
  type TimeView,
  timeTicks,
  visibleNodes,
  type Waterfall,
  type WaterfallNode,
} from '../waterfall.js';

const ROW_H = 26;
const OVERSCAN = 12;

/**
 * The span timeline. Only the rows in the viewport (plus a margin) are in the DOM, so a trace of tens
 * of thousands of spans scrolls as smoothly as a small one. Keyboard: ↑/↓ move, →/← expand/collapse,
 * Enter opens the span, Home/End jump.
 */
export function WaterfallView({
  waterfall,
  critical,
  showCritical,
  agentEvents,
  collapsed,
  setCollapsed,
  view,
  setView,
  selected,
  onSelect,
}: {
  waterfall: Waterfall<Span>;
  critical: Set<string>;
  showCritical: boolean;
  agentEvents: AgentEvent[];
  collapsed: Set<string>;
  setCollapsed: (s: Set<string>) => void;
  view: TimeView;
  setView: (v: TimeView) => void;
  selected: string | undefined;
  onSelect: (spanId: string | undefined) => void;
}) {
  const rows = useMemo(() => visibleNodes(waterfall, collapsed), [waterfall, collapsed]);
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(520);
  const [active, setActive] = useState(0);
  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  const first = Math.max(0, Math.floor(scrollTop / ROW_H) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((scrollTop + height) / ROW_H) + OVERSCAN);
  const traceStart = waterfall.traceStartMs;
  const eventsBySpan = useMemo(() => {
    const m = new Map<string, AgentEvent[]>();
    for (const e of agentEvents) {
      if (!e.span_id) continue;
      const list = m.get(e.span_id);
      if (list) list.push(e);
      else m.set(e.span_id, [e]);
    }
    return m;
  }, [agentEvents]);
  const traceEvents = agentEvents.filter((e) => !e.span_id || !waterfall.byId.has(e.span_id));

  const toggle = (n: WaterfallNode<Span>, open?: boolean) => {
    if (n.childCount === 0) return;
    const next = new Set(collapsed);
    const isOpen = !collapsed.has(n.span.span_id);
    if (open ?? !isOpen) next.delete(n.span.span_id);
    else next.add(n.span.span_id);
    setCollapsed(next);
  };
  const moveTo = (i: number) => {
    const idx = Math.max(0, Math.min(rows.length - 1, i));
    setActive(idx);
    const el = scroller.current;
    if (!el) return;
    const top = idx * ROW_H;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + ROW_H > el.scrollTop + el.clientHeight) el.scrollTop = top + ROW_H - el.clientHeight;
  };
  const onKey = (e: KeyboardEvent) => {
    const n = rows[active];
    const page = Math.max(1, Math.floor(height / ROW_H) - 1);
    const steps: Record<string, number> = {
      ArrowDown: 1,
      ArrowUp: -1,
      PageDown: page,
      PageUp: -page,
      Home: -rows.length,
      End: rows.length,
    };
    const step = steps[e.key];
    if (step !== undefined) moveTo(active + step);
    else if (e.key === 'ArrowRight' && n) toggle(n, true);
    else if (e.key === 'ArrowLeft' && n) toggle(n, false);
    else if ((e.key === 'Enter' || e.key === ' ') && n) onSelect(n.span.span_id);
    else if (e.key === 'Escape') onSelect(undefined);
    else return;
    e.preventDefault();
  };
  const activeRow = rows[active];

  return (
    <div className="waterfall">
      <Ruler view={view} setView={setView} full={{ from: 0, to: waterfall.durationMs }} />
      {traceEvents.length > 0 ? (
        <div className="wf-row wf-agent-row">
          <div className="wf-label muted small">agent events ({traceEvents.length})</div>
          <div className="wf-track">
            {traceEvents.map((e, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: agent events have no id; the list never reorders
              <EventMarker key={`${e.timestamp}:${i}`} e={e} view={view} traceStart={traceStart} />
            ))}
          </div>
        </div>
      ) : null}
      <div
        ref={scroller}
        className="wf-scroll"
        tabIndex={0}
        role="tree"
        aria-label={`Spans (${waterfall.nodes.length})`}
        aria-activedescendant={activeRow ? `span-row-${activeRow.span.span_id}` : undefined}
        onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
        onKeyDown={onKey}
      >
        <div className="wf-inner" style={{ height: rows.length * ROW_H }}>
          {rows.slice(first, last).map((n, k) => {
            const i = first + k;
            const s = n.span;
            const geo = barGeometry(n.startMs, n.endMs, view);
            const onPath = showCritical && critical.has(s.span_id);
            const isOpen = !collapsed.has(s.span_id);
            return (
              // biome-ignore lint/a11y/useKeyWithClickEvents: the tree handles keys for the active row
              <div
                key={s.span_id}
                id={`span-row-${s.span_id}`}
                role="treeitem"
                tabIndex={-1}
                aria-level={n.depth + 1}
                aria-expanded={n.childCount > 0 ? isOpen : undefined}
                aria-selected={selected === s.span_id}
                data-span-id={s.span_id}
                className={`wf-row ${selected === s.span_id ? 'is-selected' : ''} ${i === active ? 'is-active' : ''} ${onPath ? 'is-critical' : ''}`}
                style={{ top: i * ROW_H }}
                onClick={() => {
                  setActive(i);
                  onSelect(s.span_id);
                }}
              >
                <div className="wf-label" style={{ paddingLeft: 6 + Math.min(n.depth, 24) * 12 }}>
                  {n.childCount > 0 ? (
                    <button
                      type="button"
                      tabIndex={-1}
                      className="wf-toggle"
                      aria-label={isOpen ? 'Collapse' : 'Expand'}
                      onClick={(e) => {
                        e.stopPropagation();
                        toggle(n);
                      }}
                    >
                      {isOpen ? '▾' : '▸'}
                    </button>
                  ) : (
                    <span className="wf-toggle" />
                  )}
                  <span className="svc-dot" style={{ background: serviceColour(s.service) }} />
                  <span className="wf-service">{s.service}</span>
                  <span className={`wf-name ${s.status === 'error' ? 'is-error' : ''}`}>{s.name}</span>
                  {n.childCount > 0 && !isOpen ? (
                    <span className="muted small"> +{n.subtreeEnd - n.index - 1}</span>
                  ) : null}
                  {n.depth > 24 ? <span className="muted small"> (depth {n.depth})</span> : null}
                </div>
                <div className="wf-track">
                  {geo ? (
                    <div
                      className={`wf-bar ${s.status === 'error' ? 'is-error' : ''}`}
                      style={{
                        left: `${geo.left * 100}%`,
                        width: `max(2px, ${geo.width * 100}%)`,
                        background: serviceColour(s.service),
                      }}
                    >
                      {s.events.map((ev, j) => {
                        const g = barGeometry(
                          isoToMs(ev.time) - traceStart,
                          isoToMs(ev.time) - traceStart,
                          view,
                        );
                        return g && geo.width > 0 ? (
                          <span
                            // biome-ignore lint/suspicious/noArrayIndexKey: span events have no id; the list never reorders
                            key={`${ev.name}:${j}`}
                            className="wf-span-event"
                            title={`${ev.name}`}
                            style={{ left: `${((g.left - geo.left) / geo.width) * 100}%` }}
                          />
                        ) : null;
                      })}
                    </div>
                  ) : null}
                  {(eventsBySpan.get(s.span_id) ?? []).map((e, j) => (
                    // biome-ignore lint/suspicious/noArrayIndexKey: agent events have no id; the list never reorders
                    <EventMarker key={`${e.timestamp}:${j}`} e={e} view={view} traceStart={traceStart} />
                  ))}
                  {/* The duration goes after the bar, or before it when the bar reaches the right edge. */}
                  <span
                    className="wf-dur"
                    style={
                      (geo?.left ?? 0) + (geo?.width ?? 0) > 0.88
                        ? { right: `${(1 - (geo?.left ?? 0)) * 100}%`, marginRight: 6 }
                        : { left: `${((geo?.left ?? 0) + (geo?.width ?? 0)) * 100}%`, marginLeft: 6 }
                    }
                  >
                    {formatDuration(n.endMs - n.startMs)}
                  </span>
                </div>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}

function EventMarker({ e, view, traceStart }: { e: AgentEvent; view: TimeView; traceStart: number }) {
  const t = isoToMs(e.timestamp) - traceStart;
  const g = barGeometry(t, t, view);
  if (!g) return null;
  return (
    <span
      className="wf-agent-event"
      title={`${e.type} at +${formatDuration(t)}${e.data ? `\n${JSON.stringify(e.data).slice(0, 300)}` : ''}`}
      style={{ left: `${g.left * 100}%` }}
    />
  );
}

/**
 * The time axis. Drag across it to zoom into that range (the zoom buttons of the page do the same
 * from the keyboard).
 */
function Ruler({ view, setView, full }: { view: TimeView; setView: (v: TimeView) => void; full: TimeView }) {
  const ref = useRef<HTMLDivElement>(null);
  const [drag, setDrag] = useState<{ a: number; b: number } | null>(null);
  const at = (e: PointerEvent) => {
    const r = ref.current?.getBoundingClientRect();
    if (!r || r.width === 0) return 0;
    return Math.max(0, Math.min(1, (e.clientX - r.left) / r.width));
  };
  const ticks = timeTicks(view, 6);
  const span = view.to - view.from || 1;
  return (
    <div className="wf-row wf-ruler">
      <div className="wf-label muted small">
        {view.from > full.from || view.to < full.to
          ? `zoomed ${formatDuration(view.from)} – ${formatDuration(view.to)}`
          : 'drag the axis to zoom'}
      </div>
      <div
        ref={ref}
        className="wf-track wf-axis"
        onPointerDown={(e) => {
          e.currentTarget.setPointerCapture(e.pointerId);
          setDrag({ a: at(e), b: at(e) });
        }}
        onPointerMove={(e) => drag && setDrag({ ...drag, b: at(e) })}
        onPointerUp={() => {
          if (drag && Math.abs(drag.b - drag.a) > 0.01) {
            const lo = Math.min(drag.a, drag.b);
            const hi = Math.max(drag.a, drag.b);
            setView({ from: view.from + lo * span, to: view.from + hi * span });
          }
          setDrag(null);
        }}
      >
        {ticks
          // A label starting at the right edge would be cut off.
          .filter((t) => (t - view.from) / span <= 0.94)
          .map((t) => (
            <span key={t} className="wf-tick" style={{ left: `${((t - view.from) / span) * 100}%` }}>
              {formatDuration(t)}
            </span>
          ))}
        {drag ? (
          <span
            className="wf-selection"
            style={{
              left: `${Math.min(drag.a, drag.b) * 100}%`,
              width: `${Math.abs(drag.b - drag.a) * 100}%`,
            }}
          />
        ) : null}
      </div>
    </div>
  );
}
