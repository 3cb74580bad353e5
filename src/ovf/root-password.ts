// Root's password from the OVF property. chpasswd salts anew each time, so setting it at
// every boot would rewrite /etc/shadow at every boot; instead a salted scrypt fingerprint of
// the password last applied (root-only, beside nothing the appliance reads) says whether the
// property changed. It is applied again when it did, or when root is locked meanwhile.

import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import type { SystemActions } from './system-actions.js';
import type { TargetRoot } from './target-files.js';

export const shadowFile = '/etc/shadow';
export const rootPasswordStateDir = '/var/lib/switchboard-ovf';
export const rootPasswordStateFile = `${rootPasswordStateDir}/root-password`;

type ShadowState = 'locked' | 'password' | 'unknown';

/** What root's entry in /etc/shadow says; `unknown` without the file or the entry. */
export function rootShadowState(shadow: string | undefined): ShadowState {
  const entry = shadow?.split('\n').find((line) => line.startsWith('root:'));
  const hash = entry?.split(':')[1];
  if (hash === undefined) return 'unknown';
  // '!' prefixes a locked hash (passwd --lock); '*' or empty '!' is "no password at all".
  return hash.startsWith('!') || hash.startsWith('*') || hash === '' ? 'locked' : 'password';
}

export function fingerprint(password: string, salt: Buffer = randomBytes(16)): string {
  return `scrypt$${salt.toString('base64')}$${scryptSync(password, salt, 32).toString('base64')}`;
}

export function matchesFingerprint(password: string, stored: string | undefined): boolean {
  const [scheme, salt, hash] = stored?.trim().split('$') ?? [];
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = scryptSync(password, Buffer.from(salt, 'base64'), expected.length);
  return expected.length === 32 && timingSafeEqual(expected, actual);
}

/** Applies `wanted` (null: lock root); returns the paths that changed. undefined: leave it. */
export async function applyRootPassword(wanted: string | null | undefined, target: TargetRoot, system: SystemActions): Promise<string[]> {
  if (wanted === undefined) return [];
  const shadow = rootShadowState(await target.read(shadowFile));
  const applied = await target.read(rootPasswordStateFile);
  if (wanted === null) {
    // Lock what is not locked; with no shadow to read, only what this step set before.
    const lock = shadow === 'password' || (shadow === 'unknown' && applied !== undefined);
    if (lock) await system.lockPassword('root');
    await target.remove(rootPasswordStateFile);
    return lock ? [shadowFile] : [];
  }
  if (matchesFingerprint(wanted, applied) && shadow !== 'locked') return [];
  await system.setPassword('root', wanted);
  await target.ensureDir(rootPasswordStateDir, 0o700);
  await target.sync({ path: rootPasswordStateFile, content: `${fingerprint(wanted)}\n`, mode: 0o600 });
  return [shadowFile];
}
