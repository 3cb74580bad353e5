import { describe, expect, it } from 'vitest';
import { matchesAny, topicMatches } from '../../sources/mqtt/topic-filter.js';

describe('MQTT topic filters', () => {
  it.each([
    ['plant/boiler', 'plant/boiler', true],
    ['plant/boiler', 'plant/boiler/x', false],
    ['plant/+/temperature', 'plant/boiler/temperature', true],
    ['plant/+/temperature', 'plant/boiler/pressure', false],
    ['plant/+', 'plant/', true],
    ['plant/#', 'plant/boiler/temperature', true],
    ['plant/#', 'plant', true],
    ['plant/#', 'plants', false],
    ['#', 'anything/at/all', true],
    ['+/+', '/finance', true],
    ['#', '$SYS/broker/uptime', false],
    ['+/broker/uptime', '$SYS/broker/uptime', false],
    ['$SYS/#', '$SYS/broker/uptime', true],
    ['$share/switchboard/plant/#', 'plant/boiler', true],
    ['$share/switchboard/plant/#', 'office/printer', false],
  ])('%s on %s: %s (MQTT 4.7)', (filter, topic, matches) => {
    expect(topicMatches(filter, topic)).toBe(matches);
  });

  it('matches when any filter does', () => {
    expect(matchesAny(['a/#', 'b/+'], 'b/1')).toBe(true);
    expect(matchesAny(['a/#', 'b/+'], 'c/1')).toBe(false);
  });
});
