// The webhook source: CloudEvents (binary or structured mode) and plain JSON over HTTP POST
// on one path of the appliance's shared HTTP listener.

import type { Dispatch, Source, SourceDeps, SourceHealth, SourceType } from '../source.js';
import { parseSize } from '../../src/config/units.js';
import type { WrapOptions } from './parse-request.js';
import { createReceiver, type ReceiveOptions } from './receive.js';
import { extensionNameForHeader, webhookDefaults, webhookSchema, type WebhookConfig } from './schema.js';

export type { WebhookConfig } from './schema.js';

export const webhookSource: SourceType<WebhookConfig> = { schema: webhookSchema, create: createWebhookSource };

export function createWebhookSource(config: WebhookConfig, deps: SourceDeps): Source {
  const options = resolveOptions(config);
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
function resolveOptions(config: WebhookConfig): ReceiveOptions {
  const merged = { ...webhookDefaults(), ...config };
  const wrap: WrapOptions = {
    // The name is the operator's; encoded so any name yields a valid URI-reference.
    source: `/switchboard/webhook/${encodeURIComponent(config.name)}`,
    type: config.eventType ?? `com.switchboard.webhook.${config.name}`,
    copyHeaders: merged.copyHeaders.map((header) => ({
      header: header.toLowerCase(),
      extension: extensionNameForHeader(header),
    })),
  };
  return { name: config.name, maxBodySize: parseSize(merged.maxBodySize), wrap };
}
