// tag-new-vms — attaches a vSphere tag to every new VM whose name matches a pattern, so
// that tag-based policies (backup jobs, NSX groups, storage policies) pick it up at once.
//
// Trigger:  com.vmware.vsphere.VmCreatedEvent.v0, VmClonedEvent.v0, VmDeployedEvent.v0
//           (subscription `tag-new-vms`, declared in function.yaml).
// Secrets:  vcenter-url      → VCENTER_URL       https://vcenter.example (no path); "log:"
//                                                 logs what would be tagged and calls nothing
//           vcenter-username → VCENTER_USERNAME  an account with the "Assign or Unassign
//                                                 vSphere Tag" privilege on the VMs
//           vcenter-password → VCENTER_PASSWORD
// Env:      NAME_PATTERN  which VM names to tag (default ^prod-): a regular expression when it
//                         starts with ^ or is written /…/flags, else a glob matched against
//                         the whole name (prod-*, *-db-??)
//           TAG_ID        the tag's id (urn:vmomi:InventoryServiceTag:…:GLOBAL); wins over
//           TAG_NAME      the tag's name, looked up once per worker (must be unique)
//           VCENTER_INSECURE_TLS=true  accept any certificate: labs with self-signed
//                         certificates only — it lets anyone on the path read the password.
//                         Better: declare a `vcenter-ca` secret holding the vCenter's CA
//                         (PEM); its path arrives as VCENTER_CA_FILE and is trusted.
//           REQUEST_TIMEOUT_MS  per REST call (default 10000)
// Returns:  a `com.switchboard.vm.tagged` CloudEvent (data: vm, vmId, tagId, vcenter), so
//           other functions can chain on it; a plain result when the name does not match.
//
// Uses the vSphere Automation REST API (vCenter 7.0 U2 and later, /api/...):
//   POST   /api/session                                   basic auth → "session-id"
//   GET    /api/vcenter/vm?names=<name>                   → [{ vm: "vm-42", name, … }]
//   GET    /api/cis/tagging/tag, /api/cis/tagging/tag/{id}   (only for TAG_NAME)
//   POST   /api/cis/tagging/tag-association/{tag}?action=attach   { object_id: { type, id } }
//   DELETE /api/session
// Attaching a tag that is already attached succeeds, so a retried event is harmless.

import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';

const DEFAULT_PATTERN = '^prod-';
const DEFAULT_TIMEOUT_MS = 10_000;
const SESSION_HEADER = 'vmware-api-session-id';

/** TAG_NAME → id, resolved once per warm worker (tags are rarely renamed). */
let cachedTag;

export default async function tagNewVms(event, context) {
  const name = event.data?.Vm?.Name;
  if (!name) throw new Error(`event ${event.id} (${event.type}) names no VM: expected data.Vm.Name`);
  const pattern = namePattern(process.env.NAME_PATTERN || DEFAULT_PATTERN);
  if (!pattern.test(name)) {
    context.log.debug({ vm: name, pattern: String(pattern) }, 'VM name does not match NAME_PATTERN; not tagged');
    return { tagged: false, vm: name, reason: `name does not match ${pattern}` };
  }
  const tag = { id: process.env.TAG_ID || undefined, name: process.env.TAG_NAME || undefined };
  if (!tag.id && !tag.name) throw new Error('set TAG_ID (the tag id) or TAG_NAME (its name) in function.yaml env');

  const base = (process.env.VCENTER_URL ?? '').trim().replace(/\/+$/u, '');
  if (base === '' || base.toLowerCase() === 'log:') {
    context.log.info({ vm: name, tag: tag.id ?? tag.name }, 'vcenter-url is "log:": would tag this VM, called nothing');
    return { tagged: false, vm: name, dryRun: true };
  }
  if (!/^https?:\/\/[^/]/iu.test(base)) throw new Error('the vcenter-url secret is not an http(s) URL: put e.g. https://vcenter.example in it (or "log:")');

  const vc = restClient(base, context);
  await vc.login(process.env.VCENTER_USERNAME ?? '', process.env.VCENTER_PASSWORD ?? '');
  try {
    const vmId = await findVm(vc, name, event.data.Vm.Vm?.Value);
    const tagId = tag.id ?? (await resolveTag(vc, tag.name));
    await vc.call('POST', `/api/cis/tagging/tag-association/${encodeURIComponent(tagId)}?action=attach`, {
      object_id: { type: 'VirtualMachine', id: vmId },
    });
    context.log.info({ vm: name, vmId, tagId }, 'tag attached');
    return {
      specversion: '1.0',
      type: 'com.switchboard.vm.tagged',
      subject: name,
      data: { vm: name, vmId, tagId, ...(tag.id ? {} : { tagName: tag.name }), vcenter: new URL(base).host },
    };
  } finally {
    // Sessions count against vCenter's limit (2000 by default): always log out.
    await vc.logout();
  }
}

/** `^prod-` or `/^prod-/i`: a regular expression; anything else: a glob on the whole name. */
export function namePattern(text) {
  const literal = /^\/(.+)\/([a-z]*)$/u.exec(text);
  if (literal) return new RegExp(literal[1], literal[2]);
  if (text.startsWith('^')) return new RegExp(text);
  const glob = text.replace(/[.+^${}()|[\]\\]/gu, '\\$&').replace(/\*/gu, '.*').replace(/\?/gu, '.');
  return new RegExp(`^${glob}$`);
}

/**
 * The id of the VM named `name`. Names are unique only per folder, so when several VMs share
 * it, the managed object id the event carries (data.Vm.Vm.Value) picks the one.
 */
async function findVm(vc, name, eventVmId) {
  const found = await vc.call('GET', `/api/vcenter/vm?names=${encodeURIComponent(name)}`);
  const vms = Array.isArray(found) ? found : [];
  const match = eventVmId ? vms.find((v) => v.vm === eventVmId) : vms.length === 1 ? vms[0] : undefined;
  if (match) return match.vm;
  if (vms.length === 0) throw new Error(`no VM named "${name}" in ${vc.base}: is vcenter-url the vCenter that sent the event?`);
  if (eventVmId) throw new Error(`VM ${eventVmId} "${name}" is not in ${vc.base} (found ${vms.map((v) => v.vm).join(', ')}): is vcenter-url the vCenter that sent the event?`);
  throw new Error(`${vms.length} VMs are named "${name}" (${vms.map((v) => v.vm).join(', ')}) and the event carries no VM id to choose`);
}

/** TAG_NAME → tag id: list the ids, then read each tag until the name matches. */
async function resolveTag(vc, tagName) {
  if (cachedTag?.name === tagName) return cachedTag.id;
  const ids = await vc.call('GET', '/api/cis/tagging/tag');
  const matches = [];
  for (const id of ids) {
    const tag = await vc.call('GET', `/api/cis/tagging/tag/${encodeURIComponent(id)}`);
    if (tag.name === tagName) matches.push(id);
  }
  if (matches.length === 0) throw new Error(`no tag named "${tagName}" in ${vc.base}: create it (with its category) or set TAG_ID`);
  if (matches.length > 1) throw new Error(`${matches.length} tags are named "${tagName}" (in different categories): set TAG_ID to the one to attach (${matches.join(', ')})`);
  cachedTag = { name: tagName, id: matches[0] };
  return matches[0];
}

/**
 * A minimal client of the vCenter REST API. node:https rather than fetch: only it takes a
 * CA or `rejectUnauthorized` per request, without a process-wide NODE_TLS_REJECT_UNAUTHORIZED.
 */
function restClient(base, context) {
  const url = new URL(base);
  const transport = url.protocol === 'https:' ? https : http;
  const tls = {
    ...(process.env.VCENTER_CA_FILE ? { ca: readFileSync(process.env.VCENTER_CA_FILE) } : {}),
    ...(/^(1|true|yes)$/iu.test(process.env.VCENTER_INSECURE_TLS ?? '') ? { rejectUnauthorized: false } : {}),
  };
  const timeoutMs = Number(process.env.REQUEST_TIMEOUT_MS) || DEFAULT_TIMEOUT_MS;
  let session;

  async function request(method, path, { body, headers = {} } = {}) {
    // Each call gets what is left of the invocation, at most REQUEST_TIMEOUT_MS.
    const budget = Math.max(500, Math.min(timeoutMs, (context.remainingTimeMs?.() ?? timeoutMs) - 500));
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const target = new URL(`${base}${path}`);
    return new Promise((resolve, reject) => {
      const req = transport.request(target, {
        method,
        ...tls,
        signal: AbortSignal.timeout(budget),
        headers: {
          accept: 'application/json',
          ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
          ...(session ? { [SESSION_HEADER]: session } : {}),
          ...headers,
        },
      }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk) => { text += chunk; });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        res.on('error', reject);
      });
      req.on('error', (error) => reject(new Error(`${method} ${target.pathname}: ${error.name === 'AbortError' || error.name === 'TimeoutError' ? `no answer within ${budget} ms` : (error.code ?? error.message)}`)));
      req.end(payload);
    });
  }

  /** vCenter's errors: { error_type, messages: [{ default_message }] }. */
  const failure = (method, path, res) => {
    let detail = res.text.slice(0, 300);
    try {
      const parsed = JSON.parse(res.text);
      detail = [parsed.error_type, ...(parsed.messages ?? []).map((m) => m.default_message)].filter(Boolean).join(': ') || detail;
    } catch { /* not JSON: the text as it is */ }
    return new Error(`vCenter answered ${res.status} to ${method} ${path.split('?')[0]}${detail ? ` (${detail})` : ''}`);
  };

  const json = (text, what) => {
    try {
      return JSON.parse(text);
    } catch {
      throw new Error(`vCenter answered ${what} with something that is not JSON: is vcenter-url the vCenter itself (not its UI or a proxy page)?`);
    }
  };

  return {
    base,
    async login(username, password) {
      if (!username || !password) throw new Error('the vcenter-username and vcenter-password secrets must not be empty');
      const res = await request('POST', '/api/session', {
        headers: { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` },
      });
      if (res.status === 401) throw new Error(`vCenter ${base} refused the login: check the vcenter-username and vcenter-password secrets`);
      if (res.status < 200 || res.status > 299) throw failure('POST', '/api/session', res);
      session = json(res.text, 'POST /api/session'); // the session id, as a JSON string
    },
    async call(method, path, body) {
      const res = await request(method, path, { body });
      if (res.status < 200 || res.status > 299) throw failure(method, path, res);
      return res.text ? json(res.text, `${method} ${path.split('?')[0]}`) : undefined;
    },
    async logout() {
      if (!session) return;
      // A failed logout is not worth a retry of the whole invocation: the session expires.
      const res = await request('DELETE', '/api/session').catch((error) => ({ status: 0, text: error.message }));
      if (res.status !== 204 && res.status !== 200) context.log.warn({ status: res.status }, 'vCenter logout failed; the session will expire on its own');
      session = undefined;
    },
  };
}
