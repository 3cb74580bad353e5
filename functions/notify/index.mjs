// Posts a chat message when a VM powers off (or for any event it is subscribed to).
// NOTIFY_URL is an incoming-webhook URL of Slack, Mattermost, Rocket.Chat or Teams
// (anything taking {"text": "..."}); without it the message is only logged.
// Throwing makes Switchboard retry with backoff and, after the last attempt, park the
// event in the dead-letter queue — so a chat outage loses no notification.

export default async function notify(event, context) {
  const vm = vmName(event);
  if (!vm) {
    throw new Error(`event ${event.id} (${event.type}) names no VM: expected data.Vm.Name or data.vm`);
  }
  const who = event.data?.UserName ? ` by ${event.data.UserName}` : '';
  const text = `:red_circle: VM *${vm}* ${describe(event.type)}${who} (source ${event.source})`;

  const url = process.env.NOTIFY_URL;
  if (!url) {
    context.log.info({ vm, text }, 'NOTIFY_URL is not set; notification logged only');
    return { notified: false, text };
  }
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text }),
    signal: AbortSignal.timeout(Math.max(1000, context.remainingTimeMs?.() ?? 10_000) - 500),
  });
  if (!response.ok) {
    throw new Error(`chat webhook answered ${response.status} ${response.statusText}`);
  }
  return { notified: true, vm };
}

function vmName(event) {
  const data = event.data ?? {};
  return data.Vm?.Name ?? data.vm?.name ?? data.vm ?? undefined;
}

function describe(type) {
  if (type.includes('PoweredOff')) return 'was powered off';
  if (type.includes('PoweredOn')) return 'was powered on';
  const last = type.split('.').filter((t) => !/^v\d+$/.test(t)).pop();
  return `reported ${last}`;
}
