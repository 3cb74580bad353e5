// The `vcenter` entry of `sources:`: where the vCenter-like event stream is, how to
// authenticate, how to trust its certificate and where to begin after a start
// (../../../shared/contracts/vcenter-events-ws.md, sections 1 and 2).

import { existsSync } from 'node:fs';
import type { SourceConfigProblem } from '../source.js';

export type VcenterAuth = 'session' | 'basic';
export type VcenterStart = 'checkpoint' | 'now';

export interface VcenterConfig {
  readonly name: string;
  readonly type: 'vcenter';
  /** The base URL, e.g. https://vc-lab.example; also the CloudEvent `source`, as written. */
  readonly url: string;
  readonly username: string;
  readonly password: string;
  readonly auth?: VcenterAuth;
  readonly insecureTLS?: boolean;
  readonly caFile?: string;
  readonly start?: VcenterStart;
}

export interface VcenterDefaults {
  readonly auth: VcenterAuth;
  readonly insecureTLS: boolean;
  readonly start: VcenterStart;
}

export function vcenterDefaults(): VcenterDefaults {
  return { auth: 'session', insecureTLS: false, start: 'checkpoint' };
}

export const vcenterSchema = {
  type: 'object',
  description: 'Streams vSphere events from a vCenter (or a server speaking the same event-stream contract) over WebSocket.',
  required: ['name', 'type', 'url', 'username', 'password'],
  additionalProperties: false,
  properties: {
    name: { $ref: '#/$defs/sourceName' },
    type: { const: 'vcenter' },
    url: {
      type: 'string',
      // http(s) only: the stream's ws(s) URL is derived from it (contract section 2).
      // No query or fragment: paths are appended to it.
      pattern: '^[hH][tT][tT][pP][sS]?://[^\\s/?#@]+(/[^\\s?#]*)?$',
      description:
        'Base URL of the vCenter, e.g. https://vc-lab.example. The stream is {url}/sdk/events/ws (wss for https), the login {url}/api/session; the URL as written is the CloudEvent source.',
    },
    username: { type: 'string', minLength: 1, description: 'vCenter user, e.g. administrator@vsphere.local.' },
    password: { type: 'string', minLength: 1, description: 'Its password; use ${env:NAME} or ${file:/path}.' },
    auth: {
      enum: ['session', 'basic'],
      description: 'session (default): log in at {url}/api/session and stream with the session id; basic: send the credentials with every connection.',
    },
    insecureTLS: {
      type: 'boolean',
      description: 'Accept any server certificate (a lab vCenter with a self-signed one). Default false; prefer caFile.',
    },
    caFile: {
      type: 'string',
      minLength: 1,
      description: 'PEM file of the CA(s) that signed the vCenter certificate, read at start.',
    },
    start: {
      enum: ['checkpoint', 'now'],
      description:
        'checkpoint (default): resume after the last event stored, replaying what the vCenter still retains; now: ignore the stored checkpoint and begin with new events.',
    },
  },
} as const;

/** Checks the schema cannot express: the CA file must exist. */
export function validateVcenterConfig(config: VcenterConfig): readonly SourceConfigProblem[] {
  if (config.caFile !== undefined && !existsSync(config.caFile)) {
    return [{ path: ['caFile'], message: `${config.caFile} does not exist: give the path of a PEM file` }];
  }
  return [];
}
