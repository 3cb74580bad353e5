// Tells systemd (a Type=notify unit: appliance/deb/switchboard.service) that the appliance is
// up, and later that it is stopping. Node has no unix datagram sockets, so the notification
// goes through systemd-notify, which the unit allows with NotifyAccess=all; systemd-notify
// waits until systemd has processed the message (sd_notify_barrier), so the short-lived child
// is still attributed to the unit. Outside systemd (NOTIFY_SOCKET unset) this does nothing.

import { execFile } from 'node:child_process';
import type { Logger } from 'pino';

export type ServiceState = { ready: true; status: string } | { stopping: true };

export function notifyServiceManager(state: ServiceState, logger: Logger): Promise<void> {
  if (!process.env.NOTIFY_SOCKET) return Promise.resolve();
  // Raw assignments: systemd-notify's --stopping option is newer (253) than Debian 12's systemd.
  const args = 'ready' in state ? ['READY=1', `STATUS=${state.status}`] : ['STOPPING=1'];
  return new Promise((resolve) => {
    execFile('systemd-notify', args, { timeout: 10_000 }, (error, _stdout, stderr) => {
      // Not fatal: systemd then reports the start as timed out, which names the cause.
      if (error) logger.warn({ err: error, stderr: String(stderr).trim() }, 'could not tell systemd the appliance state (systemd-notify failed)');
      resolve();
    });
  });
}
