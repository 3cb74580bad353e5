// The console's login banner: the issue file agetty shows above the login prompt on tty1 and
// ttyS0. It says where to reach the appliance, which version runs, whether it is ready (and
// which check is not), and what the OVF-properties step could not apply at this boot. Pure:
// banner-inputs.ts gathers the inputs, `switchboard console-banner` writes the text.
//
// The text is plain ASCII layout (no colours: the serial console may be anything) and the
// same inputs always give the same text: agetty redraws, and on tty1 clears the screen, only
// when the text changed (util-linux agetty.c, issue_is_changed), so nothing here may tick.

import type { OvfProblem } from '../ovf/ovf-problem.js';
import type { OvfStatus as WrittenOvfStatus } from '../ovf/status.js';
import type { ReadinessCheck } from '../http/operator-endpoints.js';

/**
 * Columns a line may use. 79, not 80: a terminal without deferred wrap moves to the next
 * line after the 80th character, so an 80-character line would be followed by a blank one.
 */
export const bannerWidth = 79;
export const journalHint = 'journalctl -u switchboard';
// At most 20 lines however much there is to say (usually 8 to 12): with agetty's blank line
// before it and the login prompt after it, the banner fits a 25-row VGA console unscrolled.
const maxUrls = 2;
const maxChecks = 5;
const maxCheckLines = 6;
const maxOvfProblems = 3;
const maxNameWidth = 24;
const indent = '  ';
const label = (name: string) => `${indent}${`${name}:`.padEnd(9)}`;
const continuation = ' '.repeat(label('').length);

/** /readyz answered: 200 (ready) or 503 (not), with its checks. */
export interface Readiness {
  readonly ready: boolean;
  readonly checks: readonly ReadinessCheck[];
}

/** Why there is no readiness to show. */
export interface ReadinessUnknown {
  /** `config`: the configuration could not be read (no port, no URL); `no-answer`: nothing usable answered at `url`. */
  readonly reason: 'config' | 'no-answer';
  readonly url?: string;
  readonly code?: string;
  readonly message: string;
}

/**
 * What the boot-time OVF-properties step wrote (src/ovf/status.ts), as the banner reads it:
 * a file from another version may lack the time or name a transport this one does not know.
 */
export type OvfStatus = Omit<WrittenOvfStatus, 'appliedAt' | 'transport'> & { readonly appliedAt?: string; readonly transport: string };
export type { OvfProblem };

export interface OvfReport {
  readonly file: string;
  /** Absent when the file could not be read or parsed: `error` says why. */
  readonly status?: OvfStatus;
  readonly error?: string;
}

export interface BannerInputs {
  readonly version: string;
  readonly hostname: string;
  /** Where the appliance serves, e.g. http://192.0.2.10:8080/; empty when unknown. */
  readonly urls: readonly string[];
  /** http.listen's port, when the configuration could be read. */
  readonly port?: number;
  readonly readiness: Readiness | ReadinessUnknown;
  /** Undefined when this boot wrote no OVF status: then the banner says nothing about it. */
  readonly ovf?: OvfReport;
}

const transportNames: Record<string, string> = {
  'vmware-tools': 'VMware Tools',
  iso: 'the OVF ISO',
  file: 'a file',
};

export function renderBanner(inputs: BannerInputs): string {
  const status = readinessLines(inputs.readiness);
  const lines = [
    `Switchboard ${printable(inputs.version)} on ${printable(inputs.hostname)}`,
    '',
    ...urlLines(inputs),
    ...status,
    '',
    ...ovfLines(inputs.ovf),
    // Where to look, unless the status already says it.
    ...(status.some((line) => line.includes(journalHint)) ? [] : [`${label('Logs')}${journalHint}`, '']),
  ];
  // agetty reads `\` as the start of an escape (\n host name, \l tty...); the layout itself
  // has none, so every backslash here came from a dynamic value and must print as itself.
  return lines.map((line) => fit(line).replaceAll('\\', '\\\\')).join('\n') + '\n';
}

function urlLines({ urls, port, readiness }: BannerInputs): string[] {
  if (urls.length === 0) {
    if (port === undefined || ('reason' in readiness && readiness.reason === 'config')) return [];
    return [`${label('URL')}no IPv4 address yet (DHCP?); the appliance listens on port ${port}`];
  }
  const shown = urls.slice(0, maxUrls).map((url, i) => `${i === 0 ? label('URL') : continuation}${printable(url)}`);
  if (urls.length > maxUrls) shown[shown.length - 1] += ` (and ${urls.length - maxUrls} more)`;
  return shown;
}

function readinessLines(readiness: Readiness | ReadinessUnknown): string[] {
  if ('reason' in readiness) {
    const code = readiness.code ? ` (${printable(readiness.code)})` : '';
    if (readiness.reason === 'config') {
      return [
        `${label('Status')}CONFIGURATION PROBLEM${code}`,
        ...wrap(printable(readiness.message), bannerWidth - continuation.length, 2).map((part) => `${continuation}${part}`),
        `${continuation}Check it: switchboard validate`,
      ];
    }
    return [
      `${label('Status')}NOT ANSWERING at ${printable(readiness.url ?? '')}`,
      `${continuation}${printable(readiness.message)}; it may still be starting.`,
      `${continuation}If this stays, see why: ${journalHint}`,
    ];
  }
  return [`${label('Status')}${readiness.ready ? 'ready' : 'NOT READY'}`, ...checkLines(readiness.checks)];
}

/** The bus and every source always; other checks (router, reload) only when they fail. */
function checkLines(checks: readonly ReadinessCheck[]): string[] {
  const relevant = checks.filter((c) => c.name === 'bus' || c.name.startsWith('source:') || !c.ok);
  let shown = relevant;
  let more: string[] = [];
  if (relevant.length > maxChecks) {
    // Failing checks first, then in /readyz order: what the operator must act on stays visible.
    const keep = new Set([...relevant.filter((c) => !c.ok), ...relevant].slice(0, maxChecks - 1));
    shown = relevant.filter((c) => keep.has(c));
    const hidden = relevant.filter((c) => !keep.has(c));
    const failing = hidden.filter((c) => !c.ok).length;
    more = [`${indent}${indent}and ${hidden.length} more, ${failing === 0 ? 'all ok' : `${failing} failing`}: see /readyz`];
  }
  const names = shown.map((c) => fit(printable(c.name), maxNameWidth));
  const nameWidth = Math.max(0, ...names.map((name) => [...name].length));
  const lines: string[] = [];
  for (const [i, c] of shown.entries()) {
    const prefix = `${indent}${indent}${c.ok ? 'ok  ' : 'FAIL'}  ${names[i]!.padEnd(nameWidth)}  `;
    // A failing check's reason is what the operator acts on: it may take a second line while
    // the checks still fit their budget (one line each for those after it).
    const room = maxCheckLines - more.length - lines.length - (shown.length - i - 1);
    const detail = wrap(printable(c.detail ?? ''), bannerWidth - prefix.length, c.ok ? 1 : Math.min(2, room));
    lines.push(...detail.map((part, j) => `${j === 0 ? prefix : ' '.repeat(prefix.length)}${part}`.trimEnd()));
  }
  return [...lines, ...more];
}

function ovfLines(ovf: OvfReport | undefined): string[] {
  if (!ovf) return [];
  const { status } = ovf;
  if (!status) return [`${label('OVF')}cannot read ${printable(ovf.file)}: ${printable(ovf.error ?? 'unknown error')}`, ''];
  const from = transportNames[status.transport] ?? printable(status.transport);
  const { problems } = status;
  if (problems.length === 0) {
    // No OVF environment at all (a plain VM): nothing was asked, nothing to report.
    if (status.transport === 'none') return [];
    return [`${label('OVF')}properties from ${from} applied, no problems`, ''];
  }
  const count = problems.length === 1 ? '1 property' : `${problems.length} properties`;
  const lines = [`${label('OVF')}${count} from ${from} not applied:`];
  for (const p of problems.slice(0, maxOvfProblems)) {
    lines.push(`${indent}${indent}${printable(p.label)} (${printable(p.key)}): ${printable(p.message)}`);
  }
  if (problems.length > maxOvfProblems) lines.push(`${indent}${indent}and ${problems.length - maxOvfProblems} more in ${printable(ovf.file)}`);
  return [...lines, ''];
}

/**
 * A dynamic value on one line: control characters (newlines, ANSI escape sequences from a
 * remote server's error text) and bidirectional overrides become spaces, runs of spaces one.
 */
export function printable(text: string): string {
  return text
    .normalize('NFC')
    .replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069]/g, ' ')
    .replace(/ {2,}/g, ' ')
    .trim();
}

/**
 * Break text at spaces into lines of at most `width` columns, at most `maxLines` of them; a
 * word longer than a line is cut, and text left over ends the last line with "...".
 */
export function wrap(text: string, width: number, maxLines: number): string[] {
  const lines: string[] = [];
  let rest = [...text];
  while (rest.length > 0 && lines.length < Math.max(1, maxLines)) {
    if (rest.length <= width) {
      lines.push(rest.join(''));
      rest = [];
      break;
    }
    const space = rest.lastIndexOf(' ', width);
    const cut = space > 0 ? space : width;
    lines.push(rest.slice(0, cut).join(''));
    rest = rest.slice(space > 0 ? cut + 1 : cut);
  }
  if (rest.length > 0) {
    const last = [...(lines.pop() ?? '')];
    lines.push(`${last.slice(0, Math.max(0, width - 3)).join('')}...`);
  }
  return lines.length > 0 ? lines : [''];
}

/** Cut text to `width` columns (one per code point: the banner's text is not East Asian wide). */
function fit(line: string, width = bannerWidth): string {
  const chars = [...line];
  return chars.length <= width ? line : `${chars.slice(0, width - 3).join('')}...`;
}
