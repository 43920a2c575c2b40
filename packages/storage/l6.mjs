import { createClickHouse, listTraceSummaries } from './dist/index.js';
import { compileSearch } from '../query-lang/dist/index.js';
const ch = createClickHouse({ url: 'http://127.0.0.1:18123' });
const org = 'bench-scale-s42-n10000000-mx6qhoe1';
const [r] = await (await ch.query({ query: `SELECT toString(toUnixTimestamp64Nano(max(start_time))) AS hi FROM spans_v1 WHERE org_id='${org}'`, format: 'JSONEachRow' })).json();
const to = BigInt(r.hi); const from = to - 3600n * 1000000000n;
const xs = []; let n;
for (let i = 0; i < 12; i++) { const q = `customer.id = "c-${Math.floor(Math.random() * 5000)}" AND http.method = "GET"`; const s = performance.now(); const p = await listTraceSummaries(ch, { org_id: org, env: 'live', from, to, limit: 50, search: compileSearch(q).ast }); xs.push(performance.now() - s); n = p.items.length; }
xs.sort((a,b)=>a-b); console.log('search p50', xs[6].toFixed(1), 'max', xs[11].toFixed(1), 'items', n);
await ch.close();
