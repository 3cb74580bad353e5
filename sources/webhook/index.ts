// The webhook source: CloudEvents (binary, structured or batched mode) and plain JSON over
// HTTP POST on one path of the appliance's shared HTTP listener, with optional credentials
// (auth.ts), a rate limit (rate-limit.ts) and the validation handshake (handshake.ts).

import type { Dispatch, Source, SourceDeps, SourceHealth, SourceType } from '../source.js';
import { parseSize } from '../../src/config/units.js';
import { createRequestAuth } from './auth.js';
import type { WrapOptions } from './parse-request.js';
import { createRateLimit, unlimited } from './rate-limit.js';
import { createReceiver, type ReceiveOptions } from './receive.js';
import { extensionNameForHeader, webhookDefaults, webhookSchema, type WebhookConfig } from './schema.js';
import { FailedAuthThrottle } from './failed-auth-throttle.js';

export type { WebhookConfig } from './schema.js';

export const webhookSource: SourceType<WebhookConfig> = { schema: webhookSchema, create: createWebhookSource };

/** `now` (milliseconds since the epoch) drives the rate limit and HMAC timestamps; tests pass their own. */
export function createWebhookSource(config: WebhookConfig, deps: SourceDeps, now: () => number = Date.now): Source {
  const options = resolveOptions(config, now);
  let health: SourceHealth = { state: 'starting' };
  return {
    name: config.name,
    type: 'webhook',
    async start(dispatch: Dispatch, signal: AbortSignal): Promise<void> {
      if (signal.aborted) {
        health = { state: 'stopped' };
        return;
      }
      try {
        deps.http.route(config.path, createReceiver(options, dispatch, deps));
      } catch (err) {
        health = { state: 'degraded', detail: `cannot listen on ${config.path}: ${(err as Error).message}` };
        throw err;
      }
      health = { state: 'running' };
      signal.addEventListener('abort', () => {
        deps.http.unroute(config.path);
        health = { state: 'stopped' };
      }, { once: true });
    },
    health: () => health,
  };
}

/** Everything a request needs, worked out once when the source is built. */
function resolveOptions(config: WebhookConfig, now: () => number): ReceiveOptions {
  const merged = { ...webhookDefaults(), ...config };
  const wrap: WrapOptions = {
    // The name is the operator's; encoded so any name yields a valid URI-reference.
    source: `/switchboard/webhook/${encodeURIComponent(config.name)}`,
    type: config.eventType ?? `com.switchboard.webhook.${config.name}`,
    copyHeaders: merged.copyHeaders.map((header) => ({
      header: header.toLowerCase(),
      extension: extensionNameForHeader(header),
    })),
    ...(config.idHeader === undefined ? {} : { idHeader: config.idHeader.toLowerCase() }),
  };
  const rateLimit = config.rateLimit ? createRateLimit(config.rateLimit, now) : unlimited;
  return Object.freeze({
    name: config.name,
    maxBodySize: parseSize(merged.maxBodySize),
    maxBatchEvents: merged.maxBatchEvents,
    wrap,
    auth: createRequestAuth(config.auth, config.name, now),
    ...(config.auth === undefined ? {} : { failedAuth: new FailedAuthThrottle(now) }),
    rateLimit,
    handshake: {
      allowedOrigins: config.allowedOrigins && new Set(config.allowedOrigins.map((origin) => origin.toLowerCase())),
      allowedRate: rateLimit.perMinute,
    },
  });
}
