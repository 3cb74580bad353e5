import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { editApplianceConfig, type ConfigEdit } from '../../../src/ovf/edit-config.js';

const packaged = readFileSync(new URL('../../../appliance/deb/switchboard.yaml', import.meta.url), 'utf8');

/** The packaged file as an operator left it: a comment of theirs and a source of their own. */
const operators = packaged.replace(
  'subscriptions: []',
  [
    '  # ops: our CI posts here (ticket OPS-1234)',
    '  - name: ci',
    '    type: webhook',
    '    path: /webhooks/ci',
    'subscriptions: []',
  ].join('\n'),
);

const vcenter = { url: 'https://vcsa.example.com', username: 'svc@vsphere.local', password: 'not-in-the-file', verifyTls: true };

function edited(edit: ConfigEdit): { text: string; changed: boolean } {
  if (!edit.ok) throw new Error(`refused: ${edit.reason}`);
  expect(edit.problems).toEqual([]);
  return edit;
}

describe('editApplianceConfig', () => {
  it("adds the vcenter source, keeping the operator's comment and source", () => {
    const { text, changed } = edited(editApplianceConfig(operators, { vcenter }));
    expect(changed).toBe(true);
    expect(text).toContain('# ops: our CI posts here (ticket OPS-1234)');
    expect(text).toContain('# edits survive upgrades). The full reference is in the README');
    const config = parse(text);
    expect(config.sources.map((s: { name: string }) => s.name)).toEqual(['webhook', 'ci', 'vcenter']);
    expect(config.sources[2]).toEqual({
      name: 'vcenter', type: 'vcenter', url: 'https://vcsa.example.com', username: 'svc@vsphere.local',
      password: '${file:/etc/switchboard/secrets/ovf-vcenter-password}',
    });
    expect(text).toMatch(/# From the OVF properties guestinfo\.vcenter_\*: rewritten at every boot.*\n +- name: vcenter/);
    expect(text).not.toContain('not-in-the-file');
  });

  it('leaves the text byte for byte when nothing changes, even with comments the library would realign', () => {
    const all = { vcenter, webhookAuth: { username: 'u', password: 'p' }, operatorToken: 'not-in-the-file-either', debug: true };
    const once = edited(editApplianceConfig(operators, all)).text;
    const again = editApplianceConfig(once, all);
    expect(edited(again)).toEqual({ ok: true, text: once, changed: false, problems: [] });
    // The packaged file aligns its comments in a column; nothing to do must not reformat it.
    expect(edited(editApplianceConfig(packaged, { vcenter: null, webhookAuth: null, operatorToken: null, debug: false }))).toMatchObject({ text: packaged, changed: false });
  });

  it('updates its own source in place and keeps keys the operator added to it', () => {
    const first = edited(editApplianceConfig(operators, { vcenter })).text.replace('  - name: vcenter\n', '  - name: vcenter\n    caFile: /etc/switchboard/vc-ca.pem\n');
    const second = edited(editApplianceConfig(first, { vcenter: { ...vcenter, url: 'https://vc2.example.com', verifyTls: false } })).text;
    const source = parse(second).sources[2];
    expect(source).toMatchObject({ url: 'https://vc2.example.com', insecureTLS: true, caFile: '/etc/switchboard/vc-ca.pem' });
    const third = edited(editApplianceConfig(second, { vcenter })).text;
    expect(parse(third).sources[2].insecureTLS).toBeUndefined();
  });

  it('removes the vcenter source when the URL goes blank, and only its own', () => {
    const withVcenter = edited(editApplianceConfig(operators, { vcenter })).text;
    const removed = edited(editApplianceConfig(withVcenter, { vcenter: null })).text;
    expect(parse(removed).sources.map((s: { name: string }) => s.name)).toEqual(['webhook', 'ci']);
    expect(removed).toContain('# ops: our CI posts here');
    expect(removed).not.toContain('guestinfo.vcenter');
    // A vcenter source the operator wrote by hand (its own password) is theirs.
    const handWritten = `${operators.replace('subscriptions: []', '  - { name: vcenter, type: vcenter, url: "https://vc", username: u, password: "${file:/etc/switchboard/secrets/vc}" }\nsubscriptions: []')}`;
    expect(edited(editApplianceConfig(handWritten, { vcenter: null })).changed).toBe(false);
  });

  it('a flow list of sources becomes a block list when the source is added', () => {
    const text = edited(editApplianceConfig('apiVersion: switchboard/v1\nsources: []\n', { vcenter })).text;
    expect(text).toMatch(/^sources:\n {2}# From the OVF[^\n]*\n {2}- name: vcenter\n/m);
    expect(edited(editApplianceConfig('apiVersion: switchboard/v1\n', { vcenter })).text).toContain('- name: vcenter');
  });

  it('sets basic authentication on the webhook source and removes only its own', () => {
    const text = edited(editApplianceConfig(operators, { webhookAuth: { username: 'sender', password: 'not-in-the-file' } })).text;
    const webhook = parse(text).sources[0];
    expect(webhook.auth).toEqual({ type: 'basic', username: 'sender', password: '${file:/etc/switchboard/secrets/ovf-webhook-password}' });
    expect(text).toMatch(/# From the OVF properties guestinfo\.webhook_username and _password[^\n]*\n +auth:/);
    expect(text).not.toContain('not-in-the-file');
    expect(parse(edited(editApplianceConfig(text, { webhookAuth: null })).text).sources[0].auth).toBeUndefined();
    const hmac = operators.replace('    path: /webhooks/events', '    path: /webhooks/events\n    auth: { type: hmac, secret: "${env:S}" }');
    expect(edited(editApplianceConfig(hmac, { webhookAuth: null })).changed).toBe(false);
  });

  it('reports a webhook user and password it has no webhook source for', () => {
    const edit = editApplianceConfig('apiVersion: switchboard/v1\nsources: []\n', { webhookAuth: { username: 'u', password: 'p' } });
    expect(edit.ok && edit.problems.map((p) => p.key)).toEqual(['guestinfo.webhook_username']);
  });

  it('sets http.operatorToken to the OVF secret file, with its comment, never the token itself', () => {
    const text = edited(editApplianceConfig(operators, { operatorToken: 'not-in-the-file-token' })).text;
    expect(parse(text).http).toEqual({ listen: '0.0.0.0:8080', operatorToken: '${file:/etc/switchboard/secrets/ovf-operator-token}' });
    expect(text).toMatch(/# From the OVF property guestinfo\.operator_token: rewritten at every boot[^\n]*\n +operatorToken:/);
    expect(text).toContain('# ops: our CI posts here (ticket OPS-1234)');
    expect(text).not.toContain('not-in-the-file-token');
    // A file without `http:` gets one.
    expect(parse(edited(editApplianceConfig('apiVersion: switchboard/v1\n', { operatorToken: 'x' })).text).http).toEqual({ operatorToken: '${file:/etc/switchboard/secrets/ovf-operator-token}' });
  });

  it('a blank operator token removes http.operatorToken only when it is the OVF\'s own', () => {
    const withToken = edited(editApplianceConfig(operators, { operatorToken: 'x' })).text;
    const removed = edited(editApplianceConfig(withToken, { operatorToken: null })).text;
    expect(parse(removed).http).toEqual({ listen: '0.0.0.0:8080' });
    expect(removed).not.toContain('guestinfo.operator_token');
    // An `http:` the OVF made for its token alone goes with it.
    const made = edited(editApplianceConfig('apiVersion: switchboard/v1\n', { operatorToken: 'x' })).text;
    expect(edited(editApplianceConfig(made, { operatorToken: null })).text).toBe('apiVersion: switchboard/v1\n');
    // The operator's own token (any other value) is theirs.
    const own = operators.replace('http:\n', 'http:\n  operatorToken: ${file:/etc/switchboard/secrets/operator-token}\n');
    expect(edited(editApplianceConfig(own, { operatorToken: null }))).toMatchObject({ text: own, changed: false });
  });

  it('reports an operator token it cannot set because `http:` is not a map, and leaves the file as it was', () => {
    const edit = editApplianceConfig('apiVersion: switchboard/v1\nhttp: 8080\n', { operatorToken: 'x' });
    expect(edit).toMatchObject({ ok: true, changed: false, problems: [{ key: 'guestinfo.operator_token', label: 'Operator token' }] });
  });

  it('debug on sets log.level; off puts debug back to info and leaves other levels alone', () => {
    const on = edited(editApplianceConfig(packaged, { debug: true })).text;
    expect(parse(on).log).toEqual({ level: 'debug' });
    expect(on).toMatch(/level: debug # from the OVF property guestinfo\.debug/);
    const off = edited(editApplianceConfig(on, { debug: false })).text;
    expect(parse(off).log).toEqual({ level: 'info' });
    expect(off).not.toContain('guestinfo.debug');
    const warn = `${packaged}log:\n  level: warn\n`;
    expect(edited(editApplianceConfig(warn, { debug: false })).changed).toBe(false);
  });

  it('refuses a file that does not parse, or is not a map', () => {
    expect(editApplianceConfig('sources: [\n  - name: x\n', { debug: true })).toMatchObject({ ok: false, reason: expect.stringMatching(/not valid YAML/) });
    expect(editApplianceConfig('- a\n- b\n', { debug: true })).toMatchObject({ ok: false, reason: 'it is not a map of settings' });
  });
});
