// A small vCenter Automation REST API (/api/...) for the tag-new-vms example: sessions with
// HTTP Basic login and the vmware-api-session-id header, the VM list by name, tags, and tag
// associations. It records every call and answers as vCenter does — including its error
// shape — so a test can assert what the function sent, and refuses what vCenter would refuse.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface VcenterCall {
  readonly method: string;
  /** Path and query, as sent. */
  readonly url: string;
  readonly authorization?: string;
  readonly session?: string;
  readonly contentType?: string;
  readonly body?: unknown;
}

export interface FakeVcenterApi {
  readonly url: string;
  readonly calls: VcenterCall[];
  /** Tag id → VM ids attached to it. */
  readonly attached: Map<string, string[]>;
  /** Sessions logged in and not yet logged out. */
  readonly openSessions: Set<string>;
  /** Answer the next attach calls with this status (vCenter's error body), until reset to undefined. */
  failAttachWith: number | undefined;
  close(): Promise<void>;
}

export interface FakeVcenterOptions {
  readonly username: string;
  readonly password: string;
  readonly vms: ReadonlyArray<{ vm: string; name: string }>;
  readonly tags: ReadonlyArray<{ id: string; name: string }>;
}

const errorBody = (type: string, message: string) =>
  JSON.stringify({ error_type: type, messages: [{ id: `vapi.${type.toLowerCase()}`, default_message: message, args: [] }] });

function reply(res: ServerResponse, status: number, body?: unknown): void {
  const text = body === undefined ? '' : typeof body === 'string' && body.startsWith('{') ? body : JSON.stringify(body);
  res.writeHead(status, text ? { 'content-type': 'application/json' } : {}).end(text);
}

export async function startFakeVcenterApi(options: FakeVcenterOptions): Promise<FakeVcenterApi> {
  const calls: VcenterCall[] = [];
  const attached = new Map<string, string[]>();
  const openSessions = new Set<string>();
  let sessions = 0;
  const expectedAuth = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;

  function handle(req: IncomingMessage, raw: string, res: ServerResponse, api: FakeVcenterApi): void {
    const url = new URL(req.url ?? '/', 'http://vcenter');
    const session = req.headers['vmware-api-session-id'] as string | undefined;
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = raw;
    }
    calls.push({
      method: req.method ?? '', url: req.url ?? '', body,
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      ...(session ? { session } : {}),
      ...(req.headers['content-type'] ? { contentType: req.headers['content-type'] } : {}),
    });
    if (url.pathname === '/api/session' && req.method === 'POST') {
      if (req.headers.authorization !== expectedAuth) return reply(res, 401, errorBody('UNAUTHENTICATED', 'Authentication required.'));
      const id = `b00c3d${++sessions}e7f2a`;
      openSessions.add(id);
      return reply(res, 201, id);
    }
    if (!session || !openSessions.has(session)) return reply(res, 401, errorBody('UNAUTHENTICATED', 'This method requires authentication.'));
    if (url.pathname === '/api/session' && req.method === 'DELETE') {
      openSessions.delete(session);
      return reply(res, 204);
    }
    if (url.pathname === '/api/vcenter/vm' && req.method === 'GET') {
      const names = url.searchParams.getAll('names');
      return reply(res, 200, options.vms.filter((v) => names.length === 0 || names.includes(v.name)).map((v) => ({ ...v, power_state: 'POWERED_OFF', cpu_count: 2, memory_size_MiB: 4096 })));
    }
    if (url.pathname === '/api/cis/tagging/tag' && req.method === 'GET') return reply(res, 200, options.tags.map((t) => t.id));
    const tagPath = /^\/api\/cis\/tagging\/tag\/([^/]+)$/u.exec(url.pathname);
    if (tagPath && req.method === 'GET') {
      const tag = options.tags.find((t) => t.id === decodeURIComponent(tagPath[1]!));
      return tag ? reply(res, 200, { id: tag.id, name: tag.name, category_id: 'urn:vmomi:InventoryServiceCategory:env:GLOBAL', description: '', used_by: [] }) : reply(res, 404, errorBody('NOT_FOUND', 'Tag not found.'));
    }
    const association = /^\/api\/cis\/tagging\/tag-association\/([^/]+)$/u.exec(url.pathname);
    if (association && req.method === 'POST' && url.searchParams.get('action') === 'attach') {
      if (api.failAttachWith) return reply(res, api.failAttachWith, errorBody('UNAUTHORIZED', 'The user does not have the privilege to attach the tag.'));
      const tagId = decodeURIComponent(association[1]!);
      const objectId = (body as { object_id?: { type?: string; id?: string } } | undefined)?.object_id;
      if (!options.tags.some((t) => t.id === tagId)) return reply(res, 404, errorBody('NOT_FOUND', `Tag ${tagId} not found.`));
      if (req.headers['content-type'] !== 'application/json' || objectId?.type !== 'VirtualMachine' || !options.vms.some((v) => v.vm === objectId.id)) {
        return reply(res, 400, errorBody('INVALID_ARGUMENT', 'object_id must be a VirtualMachine of this vCenter.'));
      }
      const vms = attached.get(tagId) ?? [];
      if (!vms.includes(objectId.id!)) vms.push(objectId.id!);
      attached.set(tagId, vms);
      return reply(res, 204);
    }
    reply(res, 404, errorBody('NOT_FOUND', `Nothing at ${url.pathname}.`));
  }

  const api = {} as FakeVcenterApi;
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8').on('data', (chunk: string) => (raw += chunk));
    req.on('end', () => handle(req, raw, res, api));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(api, {
    url: `http://127.0.0.1:${port}`,
    calls, attached, openSessions,
    failAttachWith: undefined,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  });
}
