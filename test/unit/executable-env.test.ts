import { describe, expect, it } from 'vitest';
import { buildExecutableEnv, defaultPath, eventEnv } from '../../processors/local/executable/env.js';
import type { CloudEventRecord } from '../../src/events/cloudevent.js';

const event: CloudEventRecord = {
  specversion: '1.0', id: 'evt-1', source: '/vc-lab', type: 'com.vmware.vsphere.VmPoweredOffEvent.v0', subject: 'web-01',
  time: '2024-05-01T10:00:00Z', datacontenttype: 'application/json', switchboarddepth: 2, data: { Vm: { Name: 'web-01' } },
};

const input = {
  manifestEnv: { VCENTER_URL: 'https://vc', PATH: '/opt/tools/bin:/usr/bin' },
  secrets: [{ envName: 'CHAT_URL', value: 'https://chat/T0K3N', file: '/run/secrets/chat-url' }],
  event, functionName: 'notify', invocationId: 'inv-1', attempt: 3, deadline: 1_714_557_600_000, tmpDir: '/tmp',
};

describe('executable environment', () => {
  it('gives the event attributes as CE_* (extensions too), never the data', () => {
    expect(eventEnv(event)).toEqual({
      CE_SPECVERSION: '1.0', CE_ID: 'evt-1', CE_SOURCE: '/vc-lab', CE_TYPE: 'com.vmware.vsphere.VmPoweredOffEvent.v0', CE_SUBJECT: 'web-01',
      CE_TIME: '2024-05-01T10:00:00Z', CE_DATACONTENTTYPE: 'application/json', CE_SWITCHBOARDDEPTH: '2',
    });
  });

  it('is exactly the defaults, the manifest, the secrets, CE_* and SWITCHBOARD_*: nothing of the appliance', () => {
    process.env.SB_UNIT_CANARY = 'leak';
    try {
      const env = buildExecutableEnv(input);
      expect(env).toMatchObject({
        PATH: '/opt/tools/bin:/usr/bin', HOME: '/tmp', TMPDIR: '/tmp', VCENTER_URL: 'https://vc',
        CHAT_URL: 'https://chat/T0K3N', CHAT_URL_FILE: '/run/secrets/chat-url',
        SWITCHBOARD_FUNCTION: 'notify', SWITCHBOARD_INVOCATION_ID: 'inv-1', SWITCHBOARD_ATTEMPT: '3', SWITCHBOARD_DEADLINE: '1714557600000',
      });
      expect(Object.keys(env).filter((k) => !/^(CE_|SWITCHBOARD_)/u.test(k)).sort()).toEqual(['CHAT_URL', 'CHAT_URL_FILE', 'HOME', 'LANG', 'PATH', 'TMPDIR', 'VCENTER_URL']);
    } finally {
      delete process.env.SB_UNIT_CANARY;
    }
    expect(buildExecutableEnv({ ...input, manifestEnv: {} }).PATH).toBe(defaultPath);
  });

  it('lets no manifest override the invocation contract, and strips NUL characters', () => {
    const env = buildExecutableEnv({ ...input, manifestEnv: { SWITCHBOARD_FUNCTION: 'other', CE_ID: 'forged', X: 'a\0b' } });
    expect(env).toMatchObject({ SWITCHBOARD_FUNCTION: 'notify', CE_ID: 'evt-1', X: 'ab' });
  });
});
