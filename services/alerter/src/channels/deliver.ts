import type { AlertChannel, AlertDelivery } from '@mesh-trace/storage';
import type { Transporter } from 'nodemailer';
import { DestinationBlockedError, type OutboundPolicy, postJson } from './outbound.js';
import {
  emailMessage,
  type Notification,
  pagerDutyBody,
  signature,
  slackBody,
  webhookBody,
} from './payloads.js';

export interface ChannelSettings {
  policy: OutboundPolicy;
  pagerDutyUrl: string;
  /** Absent: e-mail channels fail with "SMTP not configured". */
  mailer?: Transporter;
  mailFrom: string;
  maxAttempts: number;
  retryBaseMs: number;
}

/** One attempt's outcome: retry only what another attempt can fix. */
export type Attempt =
  | { ok: true; status: number }
  | { ok: false; retry: boolean; status: number; reason: string };

/** 2xx delivered; 408, 429 and 5xx are worth another try; other answers will not change. */
export function classifyStatus(status: number, body: string): Attempt {
  if (status >= 200 && status < 300) return { ok: true, status };
  const retry = status === 408 || status === 429 || status >= 500;
  const why = status >= 300 && status < 400 ? 'redirect not followed' : body.trim().slice(0, 200);
  return { ok: false, retry, status, reason: `HTTP ${status}${why ? `: ${why}` : ''}` };
}

/** Transport failures: refused destinations are final; network errors and timeouts are retried. */
export function classifyError(err: unknown): Attempt {
  if (err instanceof DestinationBlockedError)
    return { ok: false, retry: false, status: 0, reason: err.message };
  const e = err as { message?: string; code?: string; responseCode?: number };
  // SMTP: 5xx replies are permanent (bad address, refused), 4xx and connection problems transient.
  const permanent = typeof e.responseCode === 'number' && e.responseCode >= 500;
  const msg = `${e.code ? `${e.code}: ` : ''}${e.message ?? String(err)}`;
  return { ok: false, retry: !permanent, status: 0, reason: msg.slice(0, 300) };
}

async function post(url: string, body: unknown, headers: Record<string, string>, s: ChannelSettings) {
  const json = JSON.stringify(body);
  const res = await postJson(url, json, headers, s.policy);
  return classifyStatus(res.status, res.body);
}

/** Sends one notification to one channel, once (no retries here). */
export async function sendOnce(channel: AlertChannel, n: Notification, s: ChannelSettings): Promise<Attempt> {
  try {
    switch (channel.type) {
      case 'webhook': {
        const body = JSON.stringify(webhookBody(n));
        const headers: Record<string, string> = { 'x-mesh-trace-event': n.event.state };
        if (channel.secret) {
          const ts = Math.floor(Date.now() / 1000);
          headers['x-mesh-trace-timestamp'] = String(ts);
          headers['x-mesh-trace-signature'] = signature(channel.secret, ts, body);
        }
        const res = await postJson(channel.url, body, headers, s.policy);
        return classifyStatus(res.status, res.body);
      }
      case 'slack':
        return await post(channel.webhook_url, slackBody(n), {}, s);
      case 'pagerduty':
        return await post(s.pagerDutyUrl, pagerDutyBody(n, channel.routing_key), {}, s);
      case 'email': {
        if (!s.mailer)
          return { ok: false, retry: false, status: 0, reason: 'SMTP not configured (MESH_TRACE_SMTP_HOST)' };
        const msg = emailMessage(n);
        await s.mailer.sendMail({ from: s.mailFrom, to: channel.to, subject: msg.subject, text: msg.text });
        return { ok: true, status: 0 };
      }
      default: {
        const exhaustive: never = channel;
        return exhaustive;
      }
    }
  } catch (err) {
    return classifyError(err);
  }
}

/** Exponential backoff with full jitter in [base·2^n / 2, base·2^n]. */
export const backoffMs = (base: number, attempt: number) => {
  const cap = base * 2 ** (attempt - 1);
  return cap / 2 + Math.random() * (cap / 2);
};

/**
 * Delivers with retries. `mayContinue` is asked before every attempt: a replica that lost the leader
 * lease stops rather than racing its successor. The record lists the failures that preceded a success.
 */
export async function deliver(
  index: number,
  channel: AlertChannel,
  n: Notification,
  s: ChannelSettings,
  mayContinue: () => Promise<boolean>,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<AlertDelivery | undefined> {
  const failures: string[] = [];
  for (let attempt = 1; attempt <= s.maxAttempts; attempt++) {
    if (attempt > 1) await sleep(backoffMs(s.retryBaseMs, attempt - 1));
    if (!(await mayContinue())) return undefined;
    const r = await sendOnce(channel, n, s);
    const record = (status: AlertDelivery['status'], reason: string): AlertDelivery => ({
      channel_index: index,
      channel_type: channel.type,
      status,
      attempts: attempt,
      http_status: r.status,
      reason,
      at: Date.now(),
    });
    if (r.ok) return record('delivered', failures.join('; '));
    failures.push(`attempt ${attempt}: ${r.reason}`);
    if (!r.retry || attempt === s.maxAttempts) return record('failed', failures.join('; '));
  }
  return undefined;
}
