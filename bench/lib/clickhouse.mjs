/** Spans stored for one bench org: how the scenarios know the writer caught up. */
export async function countSpans(ch, orgId) {
  const rs = await ch.query({
    query: 'SELECT count() AS n FROM spans_v1 WHERE org_id = {o:String}',
    query_params: { o: orgId },
    format: 'JSONEachRow',
  });
  const [row] = await rs.json();
  return Number(row?.n ?? 0);
}
