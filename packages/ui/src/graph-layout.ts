/** Layout of the service map: callers left of callees, in layers. Pure: graph-layout.test.ts. */

export interface GraphNode {
  service: string;
  span_count: number;
  error_rate: number;
}
export interface GraphEdge {
  source: string;
  target: string;
  calls: number;
  errors: number;
  error_rate: number;
  p99_ms: number;
}

export interface PlacedNode extends GraphNode {
  x: number;
  y: number;
  r: number;
  layer: number;
}

/**
 * Layer = the longest chain of callers above a service (cycles are cut after as many rounds as there
 * are services). Within a layer, services are sorted by name, so the map does not shuffle on reload.
 */
export function layoutGraph(
  nodes: readonly GraphNode[],
  edges: readonly GraphEdge[],
  size: { width: number; height: number },
): { nodes: PlacedNode[]; byService: Map<string, PlacedNode> } {
  const all = new Map<string, GraphNode>();
  for (const n of nodes) all.set(n.service, n);
  for (const e of edges)
    for (const s of [e.source, e.target])
      if (!all.has(s)) all.set(s, { service: s, span_count: 0, error_rate: 0 });
  const layer = new Map<string, number>([...all.keys()].map((s) => [s, 0]));
  for (let round = 0; round < all.size; round++) {
    let changed = false;
    for (const e of edges) {
      if (e.source === e.target) continue;
      const want = (layer.get(e.source) ?? 0) + 1;
      if (want > (layer.get(e.target) ?? 0) && want < all.size) {
        layer.set(e.target, want);
        changed = true;
      }
    }
    if (!changed) break;
  }
  const layers: GraphNode[][] = [];
  for (const n of all.values()) {
    const l = layer.get(n.service) ?? 0;
    const members = layers[l];
    if (members) members.push(n);
    else layers[l] = [n];
  }
  const used = layers.filter(Boolean);
  const maxSpans = Math.max(1, ...[...all.values()].map((n) => n.span_count));
  const margin = 70;
  const colW = used.length > 1 ? (size.width - 2 * margin) / (used.length - 1) : 0;
  const placed: PlacedNode[] = [];
  used.forEach((members, col) => {
    members.sort((a, b) => a.service.localeCompare(b.service));
    const rowH = (size.height - 2 * margin) / Math.max(1, members.length);
    members.forEach((n, row) => {
      placed.push({
        ...n,
        layer: col,
        x: used.length > 1 ? margin + col * colW : size.width / 2,
        y: margin + rowH * (row + 0.5),
        // Area, not radius, proportional to traffic.
        r: 8 + 22 * Math.sqrt(n.span_count / maxSpans),
      });
    });
  });
  return { nodes: placed, byService: new Map(placed.map((p) => [p.service, p])) };
}

/** Edge colour by error rate: grey-green when clean, amber from 1%, red from 5%. */
export function edgeColour(errorRate: number): string {
  if (errorRate >= 0.05) return '#d9534f';
  if (errorRate >= 0.01) return '#e0a030';
  if (errorRate > 0) return '#b5b84a';
  return '#6f9a78';
}
