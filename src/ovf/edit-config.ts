// The appliance configuration, edited in place with the yaml Document API so the operator's
// own keys, sources and comments survive. The OVF properties own exactly four things:
//   - the source named `vcenter` (its type, url, username, password, insecureTLS; other keys
//     an operator adds to it stay);
//   - the `auth` of the source named `webhook`;
//   - `http.operatorToken`;
//   - `log.level`, as far as debug goes.
// A source, auth or token is only removed when it is the OVF's own — recognised by its
// reference to the OVF secret file — so an operator's hand-written one is never deleted. Pure.

import { isMap, isScalar, isSeq, parseDocument, type Document, type Pair, type Scalar, type YAMLMap, type YAMLSeq } from 'yaml';
import { problemFor, type OvfProblem } from './ovf-problem.js';
import type { OvfSettings } from './settings.js';

export const vcenterSecretFile = '/etc/switchboard/secrets/ovf-vcenter-password';
export const webhookSecretFile = '/etc/switchboard/secrets/ovf-webhook-password';
export const operatorTokenSecretFile = '/etc/switchboard/secrets/ovf-operator-token';
const vcenterPasswordRef = `\${file:${vcenterSecretFile}}`;
const webhookPasswordRef = `\${file:${webhookSecretFile}}`;
const operatorTokenRef = `\${file:${operatorTokenSecretFile}}`;

const vcenterMark = ' From the OVF properties guestinfo.vcenter_*: rewritten at every boot (clear the URL in vSphere to remove it).';
const webhookAuthMark = ' From the OVF properties guestinfo.webhook_username and _password: rewritten at every boot.';
const operatorTokenMark = ' From the OVF property guestinfo.operator_token: rewritten at every boot (clear it in vSphere to remove it).';
const debugMark = ' from the OVF property guestinfo.debug: rewritten at every boot';

export type ConfigSettings = Pick<OvfSettings, 'vcenter' | 'webhookAuth' | 'operatorToken' | 'debug'>;

export type ConfigEdit =
  | { readonly ok: true; readonly text: string; readonly changed: boolean; readonly problems: OvfProblem[] }
  | { readonly ok: false; readonly reason: string };

/** `text` with the OVF's part brought up to date; `changed` false leaves the file byte for byte. */
export function editApplianceConfig(text: string, settings: ConfigSettings): ConfigEdit {
  // merge: as the loader parses it (yaml-file.ts), so `<<` keys stay merge keys.
  const doc = parseDocument(text, { merge: true });
  if (doc.errors.length > 0) return { ok: false, reason: `it is not valid YAML (${doc.errors[0]!.message.split('\n')[0]})` };
  if (!isMap(doc.contents)) return { ok: false, reason: 'it is not a map of settings' };
  // Compare with the document as the library writes it: re-serialising alone may realign
  // comments, which is no reason to rewrite the operator's file.
  const before = doc.toString();
  const problems: OvfProblem[] = [];
  if (settings.vcenter !== undefined) editVcenterSource(doc, settings.vcenter, problems);
  if (settings.webhookAuth !== undefined) editWebhookAuth(doc, settings.webhookAuth, problems);
  if (settings.operatorToken !== undefined) editOperatorToken(doc, settings.operatorToken !== null, problems);
  if (settings.debug !== undefined) editLogLevel(doc, settings.debug);
  const after = doc.toString();
  return after === before ? { ok: true, text, changed: false, problems } : { ok: true, text: after, changed: true, problems };
}

/** The file's sources, created when `create`; undefined when absent or not a list. */
function sourcesOf(doc: Document, create: boolean): YAMLSeq | undefined {
  const sources = doc.get('sources', true);
  if (isSeq(sources)) return sources;
  if (sources === undefined || sources === null || (isScalar(sources) && sources.value === null)) {
    if (!create) return undefined;
    const created = doc.createNode([]) as YAMLSeq;
    doc.set('sources', created);
    return created;
  }
  return undefined;
}

function namedSource(sources: YAMLSeq | undefined, name: string): { map: YAMLMap; index: number } | undefined {
  const index = sources?.items.findIndex((item) => isMap(item) && item.get('name') === name) ?? -1;
  return index < 0 ? undefined : { map: sources!.items[index] as YAMLMap, index };
}

function editVcenterSource(doc: Document, vcenter: NonNullable<ConfigSettings['vcenter']> | null, problems: OvfProblem[]): void {
  const sources = sourcesOf(doc, vcenter !== null);
  if (vcenter !== null && sources === undefined) {
    problems.push(problemFor('guestinfo.vcenter_url', '`sources:` in the configuration is not a list: the vcenter source was not added'));
    return;
  }
  const found = namedSource(sources, 'vcenter');
  if (vcenter === null) {
    if (found && found.map.get('password') === vcenterPasswordRef) sources!.items.splice(found.index, 1);
    return;
  }
  const source = found?.map ?? (doc.createNode({}) as YAMLMap);
  setIfDifferent(source, 'name', 'vcenter');
  setIfDifferent(source, 'type', 'vcenter');
  setIfDifferent(source, 'url', vcenter.url);
  setIfDifferent(source, 'username', vcenter.username);
  setIfDifferent(source, 'password', vcenterPasswordRef);
  if (vcenter.verifyTls) source.delete('insecureTLS');
  else setIfDifferent(source, 'insecureTLS', true);
  source.commentBefore = vcenterMark;
  if (!found) {
    // A flow list (`sources: []`) would put the new source on one line.
    sources!.flow = false;
    sources!.items.push(source);
  }
}

function editWebhookAuth(doc: Document, auth: NonNullable<ConfigSettings['webhookAuth']> | null, problems: OvfProblem[]): void {
  const webhook = namedSource(sourcesOf(doc, false), 'webhook')?.map;
  if (auth === null) {
    const current = webhook?.get('auth');
    if (isMap(current) && current.get('password') === webhookPasswordRef) webhook!.delete('auth');
    return;
  }
  if (!webhook) {
    problems.push(problemFor('guestinfo.webhook_username', 'the configuration has no source named webhook: its authentication was not set'));
    return;
  }
  const wanted = { type: 'basic', username: auth.username, password: webhookPasswordRef };
  const current = webhook.get('auth');
  const same = isMap(current) && current.items.length === 3 && Object.entries(wanted).every(([k, v]) => current.get(k) === v);
  if (!same) webhook.set('auth', doc.createNode(wanted));
  const pair = webhook.items.find((p) => keyOf(p) === 'auth')!;
  if (!isScalar(pair.key)) pair.key = doc.createNode(pair.key);
  (pair.key as Scalar).commentBefore = webhookAuthMark;
}

/** `wanted`: the token is set (its value goes to the secret file, never into this file). */
function editOperatorToken(doc: Document, wanted: boolean, problems: OvfProblem[]): void {
  const http = doc.get('http', true);
  if (!wanted) {
    if (!isMap(http) || http.get('operatorToken') !== operatorTokenRef) return;
    http.delete('operatorToken');
    // An `http:` the OVF made for its token alone goes with it.
    if (http.items.length === 0) doc.delete('http');
    return;
  }
  let map: YAMLMap;
  if (isMap(http)) map = http;
  else if (http === undefined || (isScalar(http) && http.value === null)) {
    map = doc.createNode({}) as YAMLMap;
    doc.set('http', map);
  } else {
    problems.push(problemFor('guestinfo.operator_token', '`http:` in the configuration is not a map: the operator token was not set'));
    return;
  }
  setIfDifferent(map, 'operatorToken', operatorTokenRef);
  // A flow map (`http: { listen: … }`) would put the comment inside the braces.
  map.flow = false;
  const pair = map.items.find((p) => keyOf(p) === 'operatorToken')!;
  if (!isScalar(pair.key)) pair.key = doc.createNode(pair.key);
  (pair.key as Scalar).commentBefore = operatorTokenMark;
}

function editLogLevel(doc: Document, debug: boolean): void {
  const level = doc.getIn(['log', 'level']);
  if (debug && level !== 'debug') doc.setIn(['log', 'level'], 'debug');
  if (!debug && level === 'debug') doc.setIn(['log', 'level'], 'info');
  const node = doc.getIn(['log', 'level'], true);
  if (!isScalar(node)) return;
  if (debug) node.comment = debugMark;
  else if (node.comment === debugMark) node.comment = undefined;
}

function keyOf(pair: Pair): unknown {
  return isScalar(pair.key) ? pair.key.value : pair.key;
}

/** Leaves an equal value alone, so the operator's quoting and comments on it stay. */
function setIfDifferent(map: YAMLMap, key: string, value: string | boolean): void {
  if (map.get(key) !== value) map.set(key, value);
}
