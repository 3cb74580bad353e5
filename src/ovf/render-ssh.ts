// sshd's drop-in: Debian's sshd_config includes sshd_config.d/*.conf before its own lines and
// the first value of an option wins, so this one decides. Root may log in with a password
// only when SSH is on and the OVF gave root a password; otherwise Debian's default
// (prohibit-password) stands. Pure.

import { generatedHeader } from './generated-header.js';

export const sshdFile = '/etc/ssh/sshd_config.d/switchboard-ovf.conf';
export const sshUnit = 'ssh.service';

export function renderSshd(sshOn: boolean, rootHasPassword: boolean): string | null {
  if (!sshOn || !rootHasPassword) return null;
  return `${generatedHeader('guestinfo.enable_ssh, guestinfo.root_password')}PermitRootLogin yes\n`;
}
