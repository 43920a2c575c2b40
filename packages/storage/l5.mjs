import { createClickHouse, listTraceSummaries } from './dist/index.js';
const ch = createClickHouse({ url: 'http://127.0.0.1:18123' });
const org = 'bench-scale-s42-n10000000-mx6qhoe1';
const [r] = await (await ch.query({ query: `SELECT toString(toUnixTimestamp64Nano(max(start_min))) AS hi FROM trace_summaries_v2 WHERE org_id='${org}'`, format: 'JSONEachRow' })).json();
const to = BigInt(r.hi); const from = to - 3600n * 1000000000n;
async function t(label, f) { const xs = []; for (let i = 0; i < 15; i++) { const s = performance.now(); await f(); xs.push(performance.now() - s); } xs.sort((a,b)=>a-b); console.log(label, 'p50', xs[7].toFixed(1), 'max', xs[14].toFixed(1)); }
let page;
await t('first page', async () => { page = await listTraceSummaries(ch, { org_id: org, env: 'live', from, to, limit: 50 }); });
console.log(page.items.length, page.items[0]);
let after = { start_ns: page.lastStartNs, trace_id: page.items.at(-1).trace_id };
for (let i = 0; i < 19; i++) { const p = await listTraceSummaries(ch, { org_id: org, env: 'live', from, to, limit: 50, after }); after = { start_ns: p.lastStartNs, trace_id: p.items.at(-1).trace_id }; }
await t('page 20', async () => { await listTraceSummaries(ch, { org_id: org, env: 'live', from, to, limit: 50, after }); });
await ch.close();
