import { isoToMs } from './format.js';

/** What the waterfall needs of a span (GET /v1/traces/:id `spans[]`). */
export interface SpanLike {
  span_id: string;
  parent_span_id: string | null;
  service: string;
  start_time: string;
  end_time: string;
}

export interface WaterfallNode<S extends SpanLike> {
  span: S;
  depth: number;
  /** Offsets from the trace's first span start, in milliseconds. */
  startMs: number;
  endMs: number;
  childCount: number;
  /** Position in `nodes`. */
  index: number;
  /** Index in `nodes` one past this node's subtree (preorder): skipping a collapsed subtree is O(1). */
  subtreeEnd: number;
  /** The parent id is set but no span of the trace has it (not ingested yet, or lost). */
  orphan: boolean;
}

export interface Waterfall<S extends SpanLike> {
  /** Every span, parents before children, siblings by start time. */
  nodes: WaterfallNode<S>[];
  byId: Map<string, WaterfallNode<S>>;
  traceStartMs: number;
  durationMs: number;
}

const byStart = <S extends SpanLike>(a: WaterfallNode<S>, b: WaterfallNode<S>) =>
  a.startMs - b.startMs || (a.span.span_id < b.span.span_id ? -1 : 1);

/**
 * Lays the spans out as a tree in preorder. Iterative, not recursive: agent traces can nest
 * thousands of levels deep and a recursive walk would overflow the stack.
 */
export function buildWaterfall<S extends SpanLike>(spans: readonly S[]): Waterfall<S> {
  let traceStart = Number.POSITIVE_INFINITY;
  let traceEnd = Number.NEGATIVE_INFINITY;
  const abs = spans.map((s) => {
    const start = isoToMs(s.start_time);
    const end = Math.max(start, isoToMs(s.end_time));
    if (start < traceStart) traceStart = start;
    if (end > traceEnd) traceEnd = end;
    return { start, end };
  });
  if (spans.length === 0) traceStart = traceEnd = 0;
  const flat: WaterfallNode<S>[] = spans.map((span, i) => ({
    span,
    depth: 0,
    startMs: (abs[i]?.start ?? 0) - traceStart,
    endMs: (abs[i]?.end ?? 0) - traceStart,
    childCount: 0,
    index: 0,
    subtreeEnd: 0,
    orphan: false,
  }));
  const byId = new Map<string, WaterfallNode<S>>();
  for (const n of flat) if (!byId.has(n.span.span_id)) byId.set(n.span.span_id, n);
  const children = new Map<string, WaterfallNode<S>[]>();
  const roots: WaterfallNode<S>[] = [];
  for (const n of flat) {
    if (byId.get(n.span.span_id) !== n) continue; // a duplicate span id: shown once
    const parent = n.span.parent_span_id;
    if (parent && parent !== n.span.span_id && byId.has(parent)) {
      const list = children.get(parent);
      if (list) list.push(n);
      else children.set(parent, [n]);
    } else {
      n.orphan = Boolean(parent);
      roots.push(n);
    }
  }
  for (const list of children.values()) list.sort(byStart);
  roots.sort(byStart);

  const nodes: WaterfallNode<S>[] = [];
  const seen = new Set<WaterfallNode<S>>();
  // Stack entries: a node to emit, or a marker closing a node's subtree.
  const stack: { node: WaterfallNode<S>; depth: number; close: boolean }[] = [];
  const walk = (root: WaterfallNode<S>) => {
    stack.push({ node: root, depth: 0, close: false });
    while (stack.length > 0) {
      const top = stack.pop() as { node: WaterfallNode<S>; depth: number; close: boolean };
      if (top.close) {
        top.node.subtreeEnd = nodes.length;
        continue;
      }
      if (seen.has(top.node)) continue;
      seen.add(top.node);
      top.node.depth = top.depth;
      top.node.index = nodes.length;
      nodes.push(top.node);
      const kids = (children.get(top.node.span.span_id) ?? []).filter((k) => !seen.has(k));
      top.node.childCount = kids.length;
      stack.push({ node: top.node, depth: top.depth, close: true });
      for (let k = kids.length - 1; k >= 0; k--)
        stack.push({ node: kids[k] as WaterfallNode<S>, depth: top.depth + 1, close: false });
    }
  };
  for (const r of roots) walk(r);
  // Spans whose parents form a cycle (bad data) are reachable from no root: shown at the top level.
  for (const n of [...byId.values()].sort(byStart)) {
    if (seen.has(n)) continue;
    n.orphan = true;
    walk(n);
  }
  return {
    nodes,
    byId,
    traceStartMs: traceStart,
    durationMs: Math.max(0, traceEnd - traceStart),
  };
}

/** The rows to draw: every node except those inside a collapsed subtree. O(visible + collapsed). */
export function visibleNodes<S extends SpanLike>(
  w: Waterfall<S>,
  collapsed: ReadonlySet<string>,
): WaterfallNode<S>[] {
  const out: WaterfallNode<S>[] = [];
  let i = 0;
  while (i < w.nodes.length) {
    const n = w.nodes[i] as WaterfallNode<S>;
    out.push(n);
    i = collapsed.has(n.span.span_id) ? n.subtreeEnd : i + 1;
  }
  return out;
}

/**
 * The critical path: the spans the trace's end time waited on. From the root that ends last, walk
 * back from its end: the child that finished last before the cursor is on the path (clipped to the
 * cursor), the cursor moves to that child's start, and so on; each chosen child is walked the same
 * way. Time in which no child ran is the parent's own. (The algorithm Jaeger's UI uses.)
 */
export function criticalPath<S extends SpanLike>(w: Waterfall<S>): Set<string> {
  const path = new Set<string>();
  const roots = w.nodes.filter((n) => n.depth === 0);
  if (roots.length === 0) return path;
  const root = roots.reduce((a, b) => (b.endMs > a.endMs ? b : a));
  const stack: { node: WaterfallNode<S>; end: number }[] = [{ node: root, end: root.endMs }];
  while (stack.length > 0) {
    const { node, end } = stack.pop() as { node: WaterfallNode<S>; end: number };
    path.add(node.span.span_id);
    const kids: WaterfallNode<S>[] = [];
    for (let i = node.index + 1; i < node.subtreeEnd; ) {
      const c = w.nodes[i] as WaterfallNode<S>;
      kids.push(c);
      i = c.subtreeEnd;
    }
    kids.sort((a, b) => b.endMs - a.endMs);
    let cursor = end;
    for (const c of kids) {
      if (c.startMs >= cursor) continue; // started after the time still to explain
      stack.push({ node: c, end: Math.min(c.endMs, cursor) });
      cursor = c.startMs;
      if (cursor <= node.startMs) break;
    }
  }
  return path;
}

/** A view window of the trace timeline, in ms from the trace start. */
export interface TimeView {
  from: number;
  to: number;
}

/** Where a bar sits in the view, as fractions 0..1 of the width; null when it is outside. */
export function barGeometry(
  startMs: number,
  endMs: number,
  view: TimeView,
): { left: number; width: number } | null {
  const span = view.to - view.from;
  if (span <= 0) return { left: 0, width: 1 };
  if (endMs < view.from || startMs > view.to) return null;
  const left = Math.max(0, (startMs - view.from) / span);
  const right = Math.min(1, (endMs - view.from) / span);
  return { left, width: Math.max(0, right - left) };
}

/** Evenly spaced, round tick positions for the time ruler (at most `count` + 1). */
export function timeTicks(view: TimeView, count = 5): number[] {
  const span = view.to - view.from;
  if (span <= 0) return [view.from];
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw) as number;
  const ticks: number[] = [];
  for (let t = Math.ceil(view.from / step) * step; t <= view.to + step * 1e-9; t += step) ticks.push(t);
  return ticks;
}

const PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#59a14f',
  '#b07aa1',
  '#76b7b2',
  '#edc948',
  '#ff9da7',
  '#9c755f',
  '#86bcb6',
  '#d37295',
  '#8cd17d',
  '#a0cbe8',
];

/** The same colour for a service on every page and every load. */
export function serviceColour(service: string): string {
  let h = 2166136261;
  for (let i = 0; i < service.length; i++) h = Math.imul(h ^ service.charCodeAt(i), 16777619);
  return PALETTE[(h >>> 0) % PALETTE.length] as string;
}
