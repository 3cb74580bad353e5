// SSH host keys. The image is built without them, so that VMs deployed from the same OVA do
// not share one identity; Debian's ssh.service does not make missing ones (its postinst
// does), and sshd refuses to start without any. They are made once, when SSH is turned on.

import type { SystemActions } from './system-actions.js';
import type { TargetRoot } from './target-files.js';

/** The key `ssh-keygen -A` makes first: present means the keys were made. */
export const sshHostKey = '/etc/ssh/ssh_host_ed25519_key';

export async function ensureSshHostKeys(sshOn: boolean | undefined, target: TargetRoot, system: SystemActions): Promise<string[]> {
  if (!sshOn || (await target.exists(sshHostKey))) return [];
  await system.generateSshHostKeys();
  return [sshHostKey];
}
