// The shipped JavaScript examples (functions/notify, functions/tag-new-vms) as the appliance
// runs them: read by the real function registry with their own manifests, run by the local
// processor in sandboxed workers, against a fake chat webhook and a fake vCenter REST API
// that check what they are sent. Needs `npm run build` (workers run from dist/).

import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLocalProcessor } from '../../processors/local/index.js';
import { workerMainPath } from '../../processors/local/worker-main-path.js';
import type { InvocationOutcome, Processor } from '../../processors/processor.js';
import type { FunctionsConfig } from '../../src/config/types.js';
import type { CloudEventRecord } from '../../src/events/cloudevent.js';
import type { FunctionDefinition } from '../../src/runtime/function-definition.js';
import { createFunctionCatalog, scanFunctions } from '../../src/runtime/function-registry.js';
import { projectRoot } from '../helpers/appliance.js';
import { startFakeVcenterApi, type FakeVcenterApi } from '../helpers/fake-vcenter-api.js';
import { startFakeWebhookReceiver, type FakeWebhookReceiver } from '../helpers/fake-webhook-receiver.js';
import { vsphereCloudEvent } from '../helpers/vsphere-cloudevents.js';

const productionTag = 'urn:vmomi:InventoryServiceTag:6e1f0b2a-prod:GLOBAL';
const vcenterUser = 'svc-switchboard@vsphere.local';
const vcenterPassword = 'S3cret!pa55';

let secretsDir: string;
let tmpRoot: string;
let shipped: Map<string, FunctionDefinition>;
let chat: FakeWebhookReceiver;
let vcenter: FakeVcenterApi;
const logLines: Array<Record<string, unknown>> = [];
const processors: Processor[] = [];

beforeAll(async () => {
  if (!existsSync(workerMainPath())) throw new Error(`${workerMainPath()} is missing: run \`npm run build\` first`);
  secretsDir = await mkdtemp(join(tmpdir(), 'sb-example-secrets-'));
  tmpRoot = await mkdtemp(join(tmpdir(), 'sb-example-workers-'));
  // The manifests' secrets must exist to be read; each test gives its own values below.
  for (const name of ['chat-webhook-url', 'vcenter-url', 'vcenter-username', 'vcenter-password']) await writeFile(join(secretsDir, name), 'log:\n');
  const functions: FunctionsConfig = {
    dir: join(projectRoot, 'functions'), defaultTimeoutMs: 60_000, defaultMemoryMb: 256, maxWorkersPerFunction: 2,
    maxChainDepth: 8, secretsDir, sandbox: 'required',
  };
  const { catalog, problems } = await scanFunctions(functions, { env: {} });
  expect(problems).toEqual([]);
  shipped = new Map(catalog.names().map((n) => [n, catalog.get(n)!]));
  chat = await startFakeWebhookReceiver();
  vcenter = await startFakeVcenterApi({
    username: vcenterUser,
    password: vcenterPassword,
    vms: [{ vm: 'vm-56', name: 'prod-web-01' }, { vm: 'vm-57', name: 'prod-db-07' }, { vm: 'vm-99', name: 'prod-db-07' }],
    tags: [{ id: 'urn:vmomi:InventoryServiceTag:1111-dev:GLOBAL', name: 'development' }, { id: productionTag, name: 'production' }],
  });
});

afterAll(async () => {
  await Promise.all(processors.map((p) => p.close(1000)));
  await chat?.close();
  await vcenter?.close();
  await Promise.all([secretsDir, tmpRoot].filter(Boolean).map((d) => rm(d, { recursive: true, force: true })));
});

beforeEach(() => {
  chat.received.length = 0;
  chat.answer = { status: 200, body: 'ok' };
  chat.delayMs = 0;
  vcenter.calls.length = 0;
  vcenter.attached.clear();
  vcenter.failAttachWith = undefined;
});

let variants = 0;

/**
 * A shipped function under a new name, with its secrets' values and env overrides, run by a
 * processor of its own: exactly its manifest otherwise.
 */
async function run(name: string, event: CloudEventRecord, options: { secrets?: Record<string, string>; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<InvocationOutcome> {
  const base = shipped.get(name);
  if (!base) throw new Error(`functions/ has no function ${name}`);
  const variant = `${name}-${++variants}`;
  const secrets = await Promise.all(base.manifest.secrets.map(async (s) => {
    const value = options.secrets?.[s.name];
    if (value === undefined) return s;
    const file = join(secretsDir, `${variant}-${s.name}`);
    await writeFile(file, `${value}\n`, { mode: 0o600 });
    return { ...s, file };
  }));
  const definition: FunctionDefinition = { ...base, name: variant, manifest: { ...base.manifest, secrets, env: { ...base.manifest.env, ...options.env } } };
  const logger = pino({ level: 'debug' }, { write: (line: string) => logLines.push(JSON.parse(line) as Record<string, unknown>) });
  const processor = createLocalProcessor({ functions: createFunctionCatalog([definition]), logger, tmpRoot });
  processors.push(processor);
  return processor.invoke({ invocationId: `inv-${variant}`, functionName: variant, subscription: 'examples', event, attempt: 1, timeoutMs: options.timeoutMs ?? base.manifest.timeoutMs });
}

function resultOf(outcome: InvocationOutcome): Record<string, unknown> {
  if (!outcome.ok) throw new Error(`expected success, got ${outcome.error.code}: ${outcome.error.message}`);
  return outcome.result as Record<string, unknown>;
}

function errorOf(outcome: InvocationOutcome) {
  if (outcome.ok) throw new Error(`expected a failure, got ${JSON.stringify(outcome.result)}`);
  return outcome.error;
}

const poweredOff = () => vsphereCloudEvent('VmPoweredOffEvent', { UserName: 'LAB\\alice', CreatedTime: '2026-02-11T21:28:23.677595Z' });

describe('notify', () => {
  it('is subscribed by its manifest to VM power-off events and reads its URL from a secret', () => {
    const notify = shipped.get('notify')!;
    expect(notify.manifest.secrets.map((s) => [s.name, s.envName])).toEqual([['chat-webhook-url', 'CHAT_WEBHOOK_URL']]);
    expect(notify.manifest.triggers.map((t) => [t.name, JSON.stringify(t.filters)])).toEqual([
      ['notify-on-poweroff', JSON.stringify([{ exact: { type: 'com.vmware.vsphere.VmPoweredOffEvent.v0' } }])],
    ]);
  });

  it('posts {text} naming the VM, host, user and time to the chat webhook', async () => {
    const result = resultOf(await run('notify', poweredOff(), { secrets: { 'chat-webhook-url': chat.url } }));
    expect(chat.received).toHaveLength(1);
    expect(chat.received[0]!.headers['content-type']).toBe('application/json');
    const { text } = chat.received[0]!.body as { text: string };
    expect(text).toBe('[Switchboard] VM *prod-web-01* was powered off by LAB\\alice on esx-01.lab (cluster-01, dc-01) at 2026-02-11 21:28:23 UTC');
    expect(result).toEqual({ notified: true, vm: 'prod-web-01', text });
  });

  it('only logs the message when the secret says "log:", as the demo ships it', async () => {
    const outcome = await run('notify', poweredOff(), { secrets: { 'chat-webhook-url': 'log:' } });
    expect(resultOf(outcome)).toMatchObject({ notified: false, vm: 'prod-web-01' });
    expect(chat.received).toEqual([]);
    expect(logLines.some((l) => String(l.text ?? '').includes('VM *prod-web-01* was powered off'))).toBe(true);
  });

  it('fails with the status and the service\'s reason when the webhook answers non-2xx, so the router retries', async () => {
    chat.answer = { status: 404, body: 'no_service' };
    const error = errorOf(await run('notify', poweredOff(), { secrets: { 'chat-webhook-url': chat.url } }));
    expect(error.code).toBe('SB_FUNCTION_FAILED');
    expect(error.message).toContain('chat webhook answered 404 Not Found: no_service');
    expect(error.message).not.toContain('T0K3N'); // the URL is the secret
  });

  it('gives up on a hung webhook before its invocation times out', async () => {
    chat.delayMs = 5000;
    const error = errorOf(await run('notify', poweredOff(), { secrets: { 'chat-webhook-url': chat.url }, timeoutMs: 2500 }));
    expect(error.code).toBe('SB_FUNCTION_FAILED');
    expect(error.message).toMatch(/could not reach the chat webhook: no answer within \d+ ms/u);
  });

  it('refuses an event that names no VM', async () => {
    const event = vsphereCloudEvent('VmPoweredOffEvent', { Vm: null });
    expect(errorOf(await run('notify', event, { secrets: { 'chat-webhook-url': chat.url } })).message).toContain('names no VM');
    expect(chat.received).toEqual([]);
  });
});

describe('tag-new-vms', () => {
  const secrets = () => ({ 'vcenter-url': vcenter.url, 'vcenter-username': vcenterUser, 'vcenter-password': vcenterPassword });
  const created = (name = 'prod-web-01', vm = 'vm-56') => vsphereCloudEvent('VmCreatedEvent', { Vm: { Name: name, Vm: { Type: 'VirtualMachine', Value: vm } } });

  it('is subscribed by its manifest to VM created, cloned and deployed events', () => {
    const filters = JSON.stringify(shipped.get('tag-new-vms')!.manifest.triggers[0]!.filters);
    for (const cls of ['VmCreatedEvent', 'VmClonedEvent', 'VmDeployedEvent']) expect(filters).toContain(`com.vmware.vsphere.${cls}.v0`);
  });

  it('logs in, finds the VM, resolves the tag by name, attaches it, logs out, and returns a vm.tagged event', async () => {
    const result = resultOf(await run('tag-new-vms', created(), { secrets: secrets() }));
    expect(result).toEqual({
      specversion: '1.0',
      type: 'com.switchboard.vm.tagged',
      subject: 'prod-web-01',
      data: { vm: 'prod-web-01', vmId: 'vm-56', tagId: productionTag, tagName: 'production', vcenter: new URL(vcenter.url).host },
    });
    expect(vcenter.attached.get(productionTag)).toEqual(['vm-56']);
    const [login, ...rest] = vcenter.calls;
    expect(login).toMatchObject({ method: 'POST', url: '/api/session', authorization: `Basic ${Buffer.from(`${vcenterUser}:${vcenterPassword}`).toString('base64')}` });
    expect(rest.map((c) => `${c.method} ${c.url}`)).toEqual([
      'GET /api/vcenter/vm?names=prod-web-01',
      'GET /api/cis/tagging/tag',
      'GET /api/cis/tagging/tag/urn%3Avmomi%3AInventoryServiceTag%3A1111-dev%3AGLOBAL',
      `GET /api/cis/tagging/tag/${encodeURIComponent(productionTag)}`,
      `POST /api/cis/tagging/tag-association/${encodeURIComponent(productionTag)}?action=attach`,
      'DELETE /api/session',
    ]);
    // Every call after the login carries the session, never the password again.
    const session = rest[0]!.session;
    expect(session).toBeTruthy();
    expect(rest.every((c) => c.session === session && c.authorization === undefined)).toBe(true);
    expect(rest.at(-2)).toMatchObject({ contentType: 'application/json', body: { object_id: { type: 'VirtualMachine', id: 'vm-56' } } });
    expect(vcenter.openSessions.size).toBe(0);
  });

  it('with TAG_ID, attaches without looking tags up; the event\'s VM id picks among VMs of the same name', async () => {
    const result = resultOf(await run('tag-new-vms', created('prod-db-07', 'vm-99'), { secrets: secrets(), env: { TAG_ID: productionTag } }));
    expect(result.data).toMatchObject({ vm: 'prod-db-07', vmId: 'vm-99', tagId: productionTag });
    expect(vcenter.calls.map((c) => `${c.method} ${c.url.split('?')[0]}`)).toEqual([
      'POST /api/session', 'GET /api/vcenter/vm', `POST /api/cis/tagging/tag-association/${encodeURIComponent(productionTag)}`, 'DELETE /api/session',
    ]);
    expect(vcenter.attached.get(productionTag)).toEqual(['vm-99']);
  });

  it('leaves VMs whose name does not match NAME_PATTERN alone, without calling vCenter', async () => {
    const result = resultOf(await run('tag-new-vms', created('dev-web-03', 'vm-70'), { secrets: secrets() }));
    expect(result).toMatchObject({ tagged: false, vm: 'dev-web-03' });
    expect(vcenter.calls).toEqual([]);
  });

  it('takes a glob as NAME_PATTERN, matched against the whole name', async () => {
    expect(resultOf(await run('tag-new-vms', created('prod-db-07', 'vm-57'), { secrets: secrets(), env: { NAME_PATTERN: '*-db-??', TAG_ID: productionTag } })).type).toBe('com.switchboard.vm.tagged');
    expect(resultOf(await run('tag-new-vms', created('prod-web-01'), { secrets: secrets(), env: { NAME_PATTERN: '*-db-??', TAG_ID: productionTag } }))).toMatchObject({ tagged: false });
    expect(vcenter.attached.get(productionTag)).toEqual(['vm-57']);
  });

  it('fails with a hint at the secrets when vCenter refuses the login, and never shows the password', async () => {
    const error = errorOf(await run('tag-new-vms', created(), { secrets: { ...secrets(), 'vcenter-password': 'wrong' } }));
    expect(error.message).toContain('refused the login: check the vcenter-username and vcenter-password secrets');
    expect(JSON.stringify(error)).not.toContain('wrong');
    expect(vcenter.calls.map((c) => c.method)).toEqual(['POST']);
  });

  it('logs out even when the attach is refused, and fails with vCenter\'s reason so the event is retried', async () => {
    vcenter.failAttachWith = 403;
    const error = errorOf(await run('tag-new-vms', created(), { secrets: secrets(), env: { TAG_ID: productionTag } }));
    expect(error.message).toContain('vCenter answered 403 to POST /api/cis/tagging/tag-association/');
    expect(error.message).toContain('UNAUTHORIZED: The user does not have the privilege to attach the tag.');
    expect(vcenter.calls.at(-1)).toMatchObject({ method: 'DELETE', url: '/api/session' });
    expect(vcenter.openSessions.size).toBe(0);
  });

  it('says which vCenter lacks the VM when vcenter-url points elsewhere than the event came from', async () => {
    const error = errorOf(await run('tag-new-vms', created('prod-app-09', 'vm-300'), { secrets: secrets(), env: { TAG_ID: productionTag } }));
    expect(error.message).toContain(`no VM named "prod-app-09" in ${vcenter.url}`);
    expect(vcenter.openSessions.size).toBe(0);
  });

  it('only logs what it would tag when vcenter-url is "log:", as the demo ships it', async () => {
    expect(resultOf(await run('tag-new-vms', created(), { secrets: { 'vcenter-url': 'log:' } }))).toMatchObject({ tagged: false, dryRun: true });
    expect(vcenter.calls).toEqual([]);
  });
});
