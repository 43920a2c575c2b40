// usage: node /tmp/chq.mjs "<sql>"  (reads extra statements from stdin separated by ;\n)
import { createClient } from '@clickhouse/client';

const ch = createClient({
  url: 'http://127.0.0.1:18123',
  clickhouse_settings: { output_format_json_quote_64bit_integers: 1 },
});
const sql = process.argv[2];
const params = process.argv[3] ? JSON.parse(process.argv[3]) : {};
try {
  if (/^\s*(select|with)/i.test(sql)) {
    const rs = await ch.query({ query: sql, query_params: params, format: 'JSONEachRow' });
    console.log(JSON.stringify(await rs.json(), null, 1));
  } else {
    await ch.command({ query: sql, query_params: params });
    console.log('ok');
  }
} catch (e) {
  console.error('ERR', e.message);
}
await ch.close();
