import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { buildConfigSchema } from '../../src/config/schema.js';
import { sourceTypes } from '../../sources/registry.js';
import { validateVcenterConfig, vcenterDefaults, vcenterSchema, type VcenterConfig } from '../../sources/vcenter/schema.js';
import { vcenterSource } from '../../sources/vcenter/index.js';

// The root config schema supplies $defs; a stand-in is enough to exercise this fragment.
const validate = new Ajv.default({ strict: true, allErrors: true }).compile({
  ...vcenterSchema,
  $defs: { sourceName: { type: 'string' } },
});
const entry = { name: 'vc-lab', type: 'vcenter', url: 'https://vc-lab.example', username: 'administrator@vsphere.local', password: 'VMware1!' };

describe('vcenter schema', () => {
  it('accepts the least an operator writes, and every option', () => {
    expect(validate(entry)).toBe(true);
    expect(validate({ ...entry, url: 'http://10.0.0.5:8989/vc/', auth: 'basic', insecureTLS: true, caFile: '/etc/ssl/vc.pem', start: 'now' })).toBe(true);
  });

  it.each([
    ['a ws URL', { url: 'wss://vc-lab.example' }],
    ['a URL with a query', { url: 'https://vc-lab.example/?x=1' }],
    ['a URL with credentials', { url: 'https://root:pw@vc-lab.example' }],
    ['an unknown auth', { auth: 'oauth' }],
    ['an unknown start', { start: 'beginning' }],
    ['insecureTLS as text', { insecureTLS: 'yes' }],
    ['an empty password', { password: '' }],
    ['an unknown key', { pingTimeout: '10s' }],
  ])('refuses %s', (_what, change) => {
    expect(validate({ ...entry, ...change })).toBe(false);
  });

  it('requires url, username and password', () => {
    for (const key of ['url', 'username', 'password']) {
      const { [key as keyof typeof entry]: _dropped, ...rest } = entry;
      expect(validate(rest)).toBe(false);
    }
  });

  it('compiles inside the whole config schema under strict mode', () => {
    const schema = buildConfigSchema({ ...sourceTypes, vcenter: vcenterSource });
    const whole = new Ajv.default({ strict: true, allErrors: true, allowUnionTypes: true }).compile(schema);
    expect(whole({ apiVersion: (schema as { properties: { apiVersion: { const: string } } }).properties.apiVersion.const, sources: [entry] })).toBe(true);
  });

  it('reports a caFile that does not exist at its key', () => {
    const problems = validateVcenterConfig({ ...entry, caFile: '/nonexistent/vc.pem' } as VcenterConfig);
    expect(problems).toEqual([{ path: ['caFile'], message: expect.stringContaining('/nonexistent/vc.pem') }]);
  });

  it('defaults to session authentication, verified TLS and resuming from the checkpoint', () => {
    expect(vcenterDefaults()).toEqual({ auth: 'session', insecureTLS: false, start: 'checkpoint' });
    expect(vcenterDefaults()).not.toBe(vcenterDefaults());
  });
});
