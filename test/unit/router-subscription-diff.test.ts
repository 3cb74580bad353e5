import { describe, expect, test } from 'vitest';
import type { SubscriptionConfig } from '../../src/config/types.js';
import { diffSubscriptions } from '../../src/router/subscription-diff.js';

function sub(name: string, extra: Partial<SubscriptionConfig> = {}): SubscriptionConfig {
  return {
    name, function: name, filters: [{ exact: { type: 'com.example.a' } }],
    retry: { attempts: 3, backoff: 'exponential', delayMs: 1_000, maxDelayMs: 60_000 },
    deadLetter: true, ordered: false, concurrency: 16,
    declaredAt: { file: '/etc/switchboard/switchboard.yaml', line: 10, column: 5, path: 'subscriptions[0]' },
    ...extra,
  };
}

describe('which subscriptions a reload adds, changes and removes', () => {
  const current = new Map([['kept', sub('kept')], ['filtered', sub('filtered')], ['gone', sub('gone')]]);

  test('finds new, changed and removed subscriptions and leaves the rest alone', () => {
    const changes = diffSubscriptions(current, [
      sub('kept'),
      sub('filtered', { filters: [{ exact: { type: 'com.example.b' } }] }),
      sub('fresh'),
    ]);
    expect(changes.added.map((s) => s.name)).toEqual(['fresh']);
    expect(changes.changed.map((s) => s.name)).toEqual(['filtered']);
    expect(changes.removed).toEqual(['gone']);
  });

  test('a subscription that only moved in its file is unchanged', () => {
    const moved = sub('kept', { declaredAt: { file: '/etc/switchboard/subscriptions/a.yaml', line: 3, column: 3, path: '[0]' } });
    expect(diffSubscriptions(new Map([['kept', sub('kept')]]), [moved])).toEqual({ added: [], changed: [], removed: [] });
  });

  test('every setting the runner or its consumer uses counts as a change', () => {
    const edits: Partial<SubscriptionConfig>[] = [
      { function: 'other' }, { retry: { attempts: 5, backoff: 'linear', delayMs: 1_000, maxDelayMs: 60_000 } },
      { timeoutMs: 5_000 }, { deadLetter: false }, { ordered: true }, { concurrency: 2 },
    ];
    for (const edit of edits) {
      expect(diffSubscriptions(new Map([['kept', sub('kept')]]), [sub('kept', edit)]).changed).toHaveLength(1);
    }
  });
});
