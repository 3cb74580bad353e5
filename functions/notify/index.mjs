// notify — posts a chat message when a VM powers off.
//
// Trigger:  com.vmware.vsphere.VmPoweredOffEvent.v0 (subscription `notify-on-poweroff`,
//           declared in function.yaml); any vSphere VM event works if you subscribe it.
// Secret:   chat-webhook-url → CHAT_WEBHOOK_URL: an incoming-webhook URL that takes
//           {"text": "..."} — Slack, Mattermost, Rocket.Chat, Google Chat, or a Microsoft
//           Teams incoming webhook (Office 365 connector). The URL is a credential: anyone
//           holding it can post, so it lives in the secrets folder, never in a manifest.
//           Its value `log:` (or an empty file) means "log the message, post nothing":
//           the demo ships that (appliance/demo-secrets/chat-webhook-url).
// Env:      NOTIFY_TITLE (optional): a prefix for every message, e.g. the site name.
// Returns:  { notified, vm, text } — a plain result, not a CloudEvent, so nothing chains.
//
// Failures are the router's business: a chat outage or a non-2xx answer throws, and the
// subscription retries with backoff and finally parks the event in the dead-letter queue,
// from where `switchboard dlq replay` sends it again. No retry loop here.

/** Value of the secret that means "do not post, log the message". */
const LOG_ONLY = 'log:';

export default async function notify(event, context) {
  const data = event.data ?? {};
  const vm = data.Vm?.Name ?? data.vm?.name ?? (typeof data.vm === 'string' ? data.vm : undefined);
  if (!vm) {
    throw new Error(`event ${event.id} (${event.type}) names no VM: expected data.Vm.Name, as vCenter events carry`);
  }
  const text = message(event, vm);

  const url = (process.env.CHAT_WEBHOOK_URL ?? '').trim();
  if (url === '' || url.toLowerCase() === LOG_ONLY) {
    context.log.info({ vm, text }, 'chat webhook URL is "log:": message logged, not posted');
    return { notified: false, vm, text };
  }
  if (!/^https?:\/\//iu.test(url)) {
    // Never echo the value: it may be a real URL with a typo, i.e. a credential.
    throw new Error('the chat-webhook-url secret is not an http(s) URL: put the webhook URL (or "log:") in it');
  }

  // Leave the worker a moment to report back before the invocation's own timeout kills it.
  const budgetMs = Math.max(1000, (context.remainingTimeMs?.() ?? 10_000) - 500);
  let response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text }),
      signal: AbortSignal.timeout(budgetMs),
    });
  } catch (error) {
    // fetch's own message ("fetch failed") says nothing; the cause does (ECONNREFUSED, a
    // TLS error, the timeout). The URL is left out on purpose: it is the secret.
    const cause = error.name === 'TimeoutError' ? `no answer within ${budgetMs} ms` : (error.cause?.code ?? error.cause?.message ?? error.message);
    throw new Error(`could not reach the chat webhook: ${cause}`);
  }
  if (!response.ok) {
    // Slack and Teams say why in the body ("invalid_payload", "no_service"…).
    const body = (await response.text().catch(() => '')).slice(0, 200);
    throw new Error(`chat webhook answered ${response.status} ${response.statusText}${body ? `: ${body}` : ''}`);
  }
  context.log.info({ vm }, 'chat notification posted');
  return { notified: true, vm, text };
}

/**
 * "VM *web-01* was powered off by LAB\alice on esx-01.lab (cluster-01, dc-01) at
 * 2026-02-11 21:28:23 UTC". *bold* is understood by Slack, Mattermost and Google Chat.
 */
function message(event, vm) {
  const data = event.data ?? {};
  const title = process.env.NOTIFY_TITLE ? `[${process.env.NOTIFY_TITLE}] ` : '';
  const who = data.UserName ? ` by ${data.UserName}` : '';
  const where = [data.ComputeResource?.Name, data.Datacenter?.Name].filter(Boolean).join(', ');
  const host = data.Host?.Name ? ` on ${data.Host.Name}${where ? ` (${where})` : ''}` : '';
  const when = timeOf(event.time ?? data.CreatedTime);
  return `${title}VM *${vm}* ${describe(event.type)}${who}${host}${when ? ` at ${when}` : ''}`;
}

function timeOf(value) {
  const date = value ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) return undefined;
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

function describe(type) {
  if (type.includes('PoweredOff')) return 'was powered off';
  if (type.includes('PoweredOn')) return 'was powered on';
  // com.vmware.vsphere.VmSuspendedEvent.v0 → "reported VmSuspendedEvent"
  const last = type.split('.').filter((t) => !/^v\d+$/u.test(t)).pop();
  return `reported ${last}`;
}
