import { lookup as dnsLookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to every address it has (injectable: tests resolve without DNS). */
export type Resolver = (host: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = async (host) =>
  (await dnsLookup(host, { all: true, verbatim: true })).map((a) => ({
    address: a.address,
    family: a.family === 6 ? 6 : 4,
  }));

export interface OutboundPolicy {
  /** Host names, addresses and CIDRs allowed although not public (MESH_TRACE_ALERTS_ALLOW_HOSTS). */
  allow: string[];
  timeoutMs: number;
  maxResponseBytes: number;
  resolve?: Resolver;
}

/** A destination refused before any connection was made. Never retried. */
export class DestinationBlockedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DestinationBlockedError';
  }
}

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

function allowList(entries: string[]): { hosts: Set<string>; cidrs: Cidr[] } {
  const hosts = new Set<string>();
  const cidrs: Cidr[] = [];
  for (const raw of entries) {
    const e = raw.trim().toLowerCase();
    if (!e) continue;
    if (e.includes('/') && ipaddr.isValidCIDR(e)) cidrs.push(ipaddr.parseCIDR(e));
    else if (ipaddr.isValid(e)) {
      const a = ipaddr.process(e);
      cidrs.push([a, a.kind() === 'ipv4' ? 32 : 128]);
    } else hosts.add(e);
  }
  return { hosts, cidrs };
}

/**
 * Only public unicast addresses are reachable by default: ipaddr.js names every special range
 * (loopback, private, link-local — where cloud metadata services live —, unique-local, CGNAT,
 * multicast, reserved, 6to4/Teredo tunnels that can embed any IPv4 address…) and all but `unicast`
 * are refused unless allow-listed.
 */
function refusal(address: string, cidrs: Cidr[]): string | undefined {
  if (!ipaddr.isValid(address)) return `${address} is not an IP address`;
  const a = ipaddr.process(address);
  if (cidrs.some(([net, bits]) => net.kind() === a.kind() && a.match(net, bits))) return undefined;
  const range = a.range();
  return range === 'unicast' ? undefined : `${address} is a ${range} address`;
}

/**
 * Checks a channel URL at delivery time, after DNS: the scheme, then every address the host resolves
 * to. Returns the address to connect to — the request is pinned to it, so a second DNS answer
 * (rebinding) cannot redirect the connection to a refused address.
 */
export async function vetDestination(url: URL, policy: OutboundPolicy): Promise<ResolvedAddress> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new DestinationBlockedError(`scheme ${url.protocol} is not allowed (http and https only)`);
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const { hosts, cidrs } = allowList(policy.allow);
  let addrs: ResolvedAddress[];
  if (ipaddr.isValid(host)) addrs = [{ address: host, family: ipaddr.parse(host).kind() === 'ipv6' ? 6 : 4 }];
  else {
    try {
      addrs = await (policy.resolve ?? systemResolver)(host);
    } catch (err) {
      throw new Error(`cannot resolve ${host}: ${(err as Error).message}`);
    }
    if (addrs.length === 0) throw new Error(`cannot resolve ${host}: no address`);
  }
  if (!hosts.has(host))
    for (const a of addrs) {
      const why = refusal(a.address, cidrs);
      if (why) throw new DestinationBlockedError(`destination refused: ${host} → ${why}`);
    }
  return addrs[0] as ResolvedAddress;
}

export interface PostResult {
  status: number;
  /** The first `maxResponseBytes` of the body. */
  body: string;
}

/**
 * POSTs a body to a vetted destination: no redirects followed (a redirect could point anywhere), one
 * deadline for connect + response, and at most `maxResponseBytes` read from the answer.
 */
export async function postJson(
  target: string,
  payload: string,
  headers: Record<string, string>,
  policy: OutboundPolicy,
): Promise<PostResult> {
  const url = new URL(target);
  const pinned = await vetDestination(url, policy);
  const lookup: LookupFunction = (_host, opts, cb) => {
    if ((opts as { all?: boolean }).all) (cb as (e: null, a: ResolvedAddress[]) => void)(null, [pinned]);
    else cb(null, pinned.address, pinned.family);
  };
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<PostResult>((resolve, reject) => {
    const req = client.request(
      url,
      {
        method: 'POST',
        lookup,
        headers: {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(payload)),
          'user-agent': 'Mesh-Trace-Alerter/0.1',
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          if (size >= policy.maxResponseBytes) return;
          chunks.push(chunk.subarray(0, policy.maxResponseBytes - size));
          size += chunk.length;
          // Enough to report; the rest is not read (a huge or endless answer costs nothing).
          if (size >= policy.maxResponseBytes) {
            finish();
            res.destroy();
          }
        });
        const finish = () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
        };
        res.on('end', finish);
        res.on('error', (err) => {
          clearTimeout(timer);
          reject(err);
        });
      },
    );
    const timer = setTimeout(
      () => req.destroy(new Error(`no answer within ${policy.timeoutMs} ms`)),
      policy.timeoutMs,
    );
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end(payload);
  });
}
