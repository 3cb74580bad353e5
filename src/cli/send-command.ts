import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { loadSwitchboard } from '../config/load.js';
import { InvalidEventError } from '../errors.js';
import { createDispatch } from '../events/intake.js';
import { SubscriptionIndex } from '../filters/subscription-index.js';
import { withBus } from './bus-client.js';

export interface SendOptions {
  config?: string;
  file?: string;
  type?: string;
  source: string;
  subject?: string;
  id?: string;
  data?: string;
  sourceName: string;
  json?: boolean;
}

/** Publish a test event through the same intake every source uses (validation, dedup id). */
export async function sendCommand(opts: SendOptions): Promise<void> {
  const { config } = await loadSwitchboard({ configPath: opts.config });
  const candidate = opts.file ? await readEventFile(opts.file) : eventFromFlags(opts);
  const stored = await withBus(config, (bus) => createDispatch(bus, opts.sourceName)(candidate));
  // What this configuration routes it to (a running appliance with another config may differ).
  const matches = new SubscriptionIndex(config.subscriptions).match(stored.event).map((s) => s.name);
  const result = { id: stored.event.id, type: stored.event.type, sequence: stored.sequence, duplicate: stored.duplicate, matches };
  process.stdout.write(
    opts.json
      ? `${JSON.stringify(result)}\n`
      : `stored event ${result.id} (${result.type}) at sequence ${result.sequence}${result.duplicate ? ' — a duplicate, stored once' : ''}\n` +
          `matches: ${matches.length ? matches.join(', ') : 'no subscription'}\n`,
  );
}

async function readEventFile(file: string): Promise<Record<string, unknown>> {
  const text = await readFile(file, 'utf8');
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new InvalidEventError(`${file} is not JSON: ${(err as Error).message}`);
  }
}

function eventFromFlags(opts: SendOptions): Record<string, unknown> {
  if (!opts.type) throw new InvalidEventError('give --type (or --file with a whole CloudEvent)');
  const event: Record<string, unknown> = {
    specversion: '1.0',
    id: opts.id ?? randomUUID(),
    source: opts.source,
    type: opts.type,
    time: new Date().toISOString(),
  };
  if (opts.subject) event.subject = opts.subject;
  if (opts.data !== undefined) {
    try {
      event.data = JSON.parse(opts.data);
      event.datacontenttype = 'application/json';
    } catch {
      event.data = opts.data;
      event.datacontenttype = 'text/plain';
    }
  }
  return event;
}
