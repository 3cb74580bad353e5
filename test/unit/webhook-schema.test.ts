import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { extensionNameForHeader, webhookDefaults, webhookSchema } from '../../sources/webhook/schema.js';

// The root config schema supplies $defs; a stand-in is enough to exercise this fragment.
const validate = new Ajv.default({ strict: true, allErrors: true }).compile({
  ...webhookSchema,
  $defs: { sourceName: { type: 'string' } },
});
const accepts = (copyHeaders: string[]) => validate({ name: 'ops', type: 'webhook', path: '/hooks/ops', copyHeaders });

describe('webhook schema', () => {
  it('accepts headers that become ordinary extension names', () => {
    expect(accepts(['X-GitHub-Event', 'X-Request-Id', 'traceparent'])).toBe(true);
  });

  it.each(['Id', 'I-D', 'Sub-Ject', 'TIME', 'Data', 'source', 'Data-Content-Type', 'Spec.Version', 'dataschema'])(
    'refuses the header %s, which would become a core attribute or data', (header) => {
      expect(accepts([header])).toBe(false);
    },
  );

  it('refuses a header with no letter or digit, which would become an empty name', () => {
    expect(accepts(['---'])).toBe(false);
  });

  it('names the extension after the header, lower-cased with only a-z and 0-9 kept', () => {
    expect(extensionNameForHeader('X-GitHub-Event')).toBe('xgithubevent');
  });

  it('hands out fresh defaults each time', () => {
    expect(webhookDefaults()).not.toBe(webhookDefaults());
    expect(webhookDefaults().maxBodySize).toBe('1MiB');
  });
});
