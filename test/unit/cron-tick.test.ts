import { describe, expect, it } from 'vitest';
import { tickCandidate, tickId, tickTime } from '../../sources/cron/tick.js';
import { validateCloudEvent } from '../../src/events/validate.js';

describe('a cron tick', () => {
  it('is identified by the source name and its scheduled time to the second, in UTC', () => {
    expect(tickId('nightly-backup', new Date('2026-03-01T03:00:00.000Z'))).toBe('nightly-backup@2026-03-01T03:00:00Z');
    // A time zone changes which instants tick, never how the id of an instant is written.
    expect(tickId('nightly-backup', new Date('2026-03-01T03:00:00.000+01:00'))).toBe('nightly-backup@2026-03-01T02:00:00Z');
  });

  it('gets the same id however late the timer fired within its second', () => {
    const scheduled = new Date('2026-03-01T03:00:07.000Z');
    expect(tickId('a', new Date(scheduled.getTime() + 999))).toBe(tickId('a', scheduled));
    expect(tickId('a', new Date(scheduled.getTime() + 1000))).not.toBe(tickId('a', scheduled));
  });

  it('gives two sources of different names different ids for the same time', () => {
    const at = new Date('2026-03-01T03:00:00Z');
    expect(tickId('a', at)).not.toBe(tickId('b', at));
  });

  it('becomes a valid CloudEvent whose time is the scheduled time and whose data is the configured value', () => {
    const at = new Date('2026-03-01T03:00:00.000Z');
    expect(validateCloudEvent(tickCandidate({ name: 'heartbeat', type: 'com.switchboard.cron.tick', data: { check: 'backups' } }, at))).toEqual({
      specversion: '1.0', id: 'heartbeat@2026-03-01T03:00:00Z', source: '/switchboard/cron/heartbeat', type: 'com.switchboard.cron.tick',
      time: '2026-03-01T03:00:00Z', datacontenttype: 'application/json', data: { check: 'backups' },
    });
    expect(tickTime(at)).toBe('2026-03-01T03:00:00Z');
  });

  it('carries no data when none is configured, and a scalar or null when one is', () => {
    const at = new Date('2026-03-01T03:00:00Z');
    const none = tickCandidate({ name: 'a', type: 't' }, at);
    expect(none).not.toHaveProperty('data');
    expect(none).not.toHaveProperty('datacontenttype');
    expect(validateCloudEvent(tickCandidate({ name: 'a', type: 't', data: 'go' }, at)).data).toBe('go');
    expect(validateCloudEvent(tickCandidate({ name: 'a', type: 't', data: null }, at)).data).toBeNull();
  });
});
