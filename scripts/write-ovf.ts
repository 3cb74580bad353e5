// Writes the OVA's OVF descriptor (src/ovf/descriptor.ts) for appliance/build-ova:
//
//   node dist/scripts/write-ovf.js --name switchboard --version 0.1.0 \
//     --vmdk switchboard-0.1.0-disk1.vmdk --vmdk-size <bytes> --capacity <bytes> \
//     --populated-size <bytes> [--output switchboard-0.1.0.ovf]
//
// Without --output the descriptor goes to stdout. Exit 2 on bad arguments.

import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { renderOvfDescriptor } from '../src/ovf/descriptor.js';

const usage =
  'usage: write-ovf --name <vm name> --version <version> --vmdk <file name> --vmdk-size <bytes>\n' +
  '                 --capacity <bytes> --populated-size <bytes> [--output <file.ovf>]\n';

function fail(message: string): never {
  process.stderr.write(`write-ovf: ${message}\n${usage}`);
  process.exit(2);
}

function bytes(name: string, value: string | undefined): number {
  if (value === undefined) fail(`--${name} is required`);
  if (!/^\d+$/.test(value)) fail(`--${name} must be a whole number of bytes, got "${value}"`);
  return Number(value);
}

function required(name: string, value: string | undefined): string {
  if (value === undefined || value === '') fail(`--${name} is required`);
  return value;
}

let values: Record<string, string | undefined>;
try {
  ({ values } = parseArgs({
    options: {
      name: { type: 'string' },
      version: { type: 'string' },
      vmdk: { type: 'string' },
      'vmdk-size': { type: 'string' },
      capacity: { type: 'string' },
      'populated-size': { type: 'string' },
      output: { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  }));
} catch (err) {
  fail(err instanceof Error ? err.message : String(err));
}

let xml: string;
try {
  xml = renderOvfDescriptor({
    name: required('name', values.name),
    version: required('version', values.version),
    vmdkFile: required('vmdk', values.vmdk),
    vmdkSize: bytes('vmdk-size', values['vmdk-size']),
    capacity: bytes('capacity', values.capacity),
    populatedSize: bytes('populated-size', values['populated-size']),
  });
} catch (err) {
  fail(err instanceof Error ? err.message : String(err));
}

if (values.output === undefined) process.stdout.write(xml);
else await writeFile(values.output, xml);
