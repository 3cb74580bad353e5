// The first lines of every file `switchboard ovf apply` writes: an operator who opens one
// learns where it comes from and that editing it by hand is undone at the next boot.

export function generatedHeader(properties: string, comment = '#'): string {
  return [
    `${comment} Written by \`switchboard ovf apply\` from the OVF properties (${properties}) at every boot:`,
    `${comment} change them in vSphere (the VM's vApp Options), not here. \`switchboard ovf properties\` lists them.`,
  ].join('\n') + '\n';
}
