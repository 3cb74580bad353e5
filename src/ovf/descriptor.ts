// The OVA's OVF 1.0 descriptor (DMTF DSP0243 1.0, envelope namespace
// http://schemas.dmtf.org/ovf/envelope/1), written the way VMware's ovftool writes one so
// that vSphere 7 and 8 deploy it with File → Deploy OVF Template and the wizard's
// "Customize template" page shows every property of the catalogue (./properties.ts).
// Pure: no I/O. appliance/build-ova measures the VMDK and calls this through
// scripts/write-ovf.ts.

import { ovfProperties, type OvfProperty } from './properties.js';

export interface OvfDescriptorInput {
  /** VM name the wizard proposes, and the VirtualSystem's id: `switchboard`. */
  readonly name: string;
  /** The appliance's version: `0.1.0`. */
  readonly version: string;
  /** The VMDK's file name inside the OVA. */
  readonly vmdkFile: string;
  /** The VMDK's size in bytes (ovf:size: vSphere checks it while it streams the file). */
  readonly vmdkSize: number;
  /** The virtual disk's size in bytes, as the guest sees it. */
  readonly capacity: number;
  /** Bytes the disk holds (its allocated grains): vSphere's estimate of a thin disk. */
  readonly populatedSize: number;
}

export const PRODUCT = 'Switchboard';
export const VENDOR = 'The Switchboard project';
export const NETWORK = 'VM Network';
export const CPUS = 1;
export const MEMORY_MB = 512;

// ESXi 7.0 GA runs at most vmx-17 and ESXi 8.0 every version from vmx-04 up
// (VMware KB 2007240): vmx-17 is the newest that both run. It is also the level the
// guest OS below belongs to: vSphere offers a guest OS identifier only at the hardware
// versions that know it (packer-builder-vsphere#154; kubev2v/migration-planner#1050 had to
// pair vmx-17 with an identifier 7.0 GA knew), and nothing the appliance needs (BIOS boot,
// PVSCSI, VMXNET3) is newer than vmx-07 anyway.
export const HARDWARE_VERSION = 'vmx-17';

// debian11_64Guest is the newest Debian identifier both ESXi 7.0 and 8.0 know: it was
// added in vSphere API 7.0.0.0, debian12_64Guest only in 8.0.0.1 (8.0 U1) and
// debian13_64Guest later still (vSphere Automation SDK, com.vmware.vcenter.vm.GuestOS).
// An identifier the host does not know fails the deployment; an older Debian one changes
// nothing that matters for a Linux 6.x guest (it picks the recommended devices: PVSCSI,
// VMXNET3). 96 is CIM_OperatingSystem.OsType "Debian 64-Bit", as ovftool writes it.
export const GUEST_OS = { vmwOsType: 'debian11_64Guest', cimId: 96, version: '11' } as const;

// The VMDK as qemu-img writes it: the only disk format vSphere imports from an OVF.
const STREAM_OPTIMIZED = 'http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized';

// Item = RASD properties + VMware extras. The CIM RASD and VSSD schemas declare their
// elements as a sequence in alphabetical order, so renderItem sorts the keys.
interface HardwareItem {
  readonly required?: false;
  readonly rasd: Readonly<Record<string, string | number | boolean>>;
  readonly config?: Readonly<Record<string, string>>;
}

/** The descriptor as UTF-8 XML text. Throws RangeError on an input it cannot describe. */
export function renderOvfDescriptor(
  input: OvfDescriptorInput,
  properties: readonly OvfProperty[] = ovfProperties,
): string {
  checkInput(input);
  const { name, version } = input;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1"' +
      ' xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1"' +
      ' xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData"' +
      ' xmlns:vssd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData"' +
      ' xmlns:vmw="http://www.vmware.com/schema/ovf"' +
      ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">',
    '  <References>',
    `    <File ovf:href="${attr(input.vmdkFile)}" ovf:id="file1" ovf:size="${input.vmdkSize}"/>`,
    '  </References>',
    '  <DiskSection>',
    '    <Info>Virtual disk information</Info>',
    `    <Disk ovf:capacity="${input.capacity}" ovf:capacityAllocationUnits="byte" ovf:diskId="vmdisk1"` +
      ` ovf:fileRef="file1" ovf:format="${STREAM_OPTIMIZED}" ovf:populatedSize="${input.populatedSize}"/>`,
    '  </DiskSection>',
    '  <NetworkSection>',
    '    <Info>The list of logical networks</Info>',
    `    <Network ovf:name="${attr(NETWORK)}">`,
    `      <Description>The ${text(NETWORK)} network</Description>`,
    '    </Network>',
    '  </NetworkSection>',
    `  <VirtualSystem ovf:id="${attr(name)}">`,
    '    <Info>A virtual machine</Info>',
    `    <Name>${text(name)}</Name>`,
    `    <OperatingSystemSection ovf:id="${GUEST_OS.cimId}" ovf:version="${GUEST_OS.version}" vmw:osType="${GUEST_OS.vmwOsType}">`,
    '      <Info>The kind of installed guest operating system</Info>',
    '      <Description>Debian GNU/Linux (64-bit)</Description>',
    '    </OperatingSystemSection>',
    ...hardwareSection(name),
    '    <AnnotationSection>',
    '      <Info>A human-readable annotation</Info>',
    `      <Annotation>${text(annotation(version))}</Annotation>`,
    '    </AnnotationSection>',
    ...productSection(version, properties),
    '  </VirtualSystem>',
    '</Envelope>',
    '',
  ].join('\n');
}

function annotation(version: string): string {
  return (
    `${PRODUCT} ${version}: an event broker appliance (event sources to CloudEvents on NATS JetStream ` +
    'to sandboxed functions). Set its network, access, vCenter and webhook under Customize template.'
  );
}

// ovf:transport="com.vmware.guestInfo": vSphere hands the OVF environment (the values set
// in the wizard) to the guest as guestinfo.ovfEnv, read through open-vm-tools. Without a
// transport vSphere shows the properties but never delivers them.
function hardwareSection(name: string): string[] {
  const items: HardwareItem[] = [
    { rasd: { AllocationUnits: 'hertz * 10^6', Description: 'Number of Virtual CPUs', ElementName: `${CPUS} virtual CPU(s)`, InstanceID: 1, ResourceType: 3, VirtualQuantity: CPUS } },
    { rasd: { AllocationUnits: 'byte * 2^20', Description: 'Memory Size', ElementName: `${MEMORY_MB}MB of memory`, InstanceID: 2, ResourceType: 4, VirtualQuantity: MEMORY_MB } },
    // VMware Paravirtual SCSI: Debian's kernel has vmw_pvscsi in its initramfs.
    { rasd: { Address: 0, Description: 'SCSI Controller', ElementName: 'SCSI controller 0', InstanceID: 3, ResourceSubType: 'VirtualSCSI', ResourceType: 6 } },
    { rasd: { Address: 0, Description: 'IDE Controller', ElementName: 'IDE 0', InstanceID: 4, ResourceType: 5 } },
    { rasd: { AddressOnParent: 0, ElementName: 'Hard disk 1', HostResource: 'ovf:/disk/vmdisk1', InstanceID: 5, Parent: 3, ResourceType: 17 } },
    // An empty CD-ROM: platforms that deliver the OVF environment as an ISO (the "iso"
    // transport: VirtualBox, vCloud, others) attach it here. vSphere uses guestInfo.
    { required: false, rasd: { AddressOnParent: 0, AutomaticAllocation: false, ElementName: 'CD/DVD drive 1', InstanceID: 6, Parent: 4, ResourceSubType: 'vmware.cdrom.remotepassthrough', ResourceType: 15 } },
    { rasd: { AddressOnParent: 7, AutomaticAllocation: true, Connection: NETWORK, Description: `VmxNet3 ethernet adapter on "${NETWORK}"`, ElementName: 'Network adapter 1', InstanceID: 7, ResourceSubType: 'VmxNet3', ResourceType: 10 } },
  ];
  const system = { ElementName: 'Virtual Hardware Family', InstanceID: 0, VirtualSystemIdentifier: name, VirtualSystemType: HARDWARE_VERSION };
  return [
    '    <VirtualHardwareSection ovf:transport="com.vmware.guestInfo">',
    '      <Info>Virtual hardware requirements</Info>',
    '      <System>',
    ...sortedEntries(system).map(([k, v]) => `        <vssd:${k}>${text(String(v))}</vssd:${k}>`),
    '      </System>',
    ...items.flatMap(renderItem),
    // The disk boots from its MBR (extlinux): BIOS. Stated rather than left to the
    // platform's default for the guest OS, since EFI firmware would find nothing to boot.
    config('firmware', 'bios', '      '),
    // The guest keeps time by NTP (guestinfo.ntp). VMware's advice is one periodic time
    // source per guest and, for Linux, NTP rather than VMware Tools' periodic sync (KB
    // 1006427, "Timekeeping best practices for Linux guests"). Tools still set the clock
    // once at power-on, resume and snapshot revert.
    config('tools.syncTimeWithHost', 'false', '      '),
    '    </VirtualHardwareSection>',
  ];
}

function renderItem(item: HardwareItem): string[] {
  return [
    item.required === false ? '      <Item ovf:required="false">' : '      <Item>',
    ...sortedEntries(item.rasd).map(([k, v]) => `        <rasd:${k}>${text(String(v))}</rasd:${k}>`),
    ...Object.entries(item.config ?? {}).map(([k, v]) => config(k, v, '        ')),
    '      </Item>',
  ];
}

// ovf:required="false": a platform that does not know VMware's extensions skips them.
function config(key: string, value: string, indent: string): string {
  return `${indent}<vmw:Config ovf:required="false" vmw:key="${attr(key)}" vmw:value="${attr(value)}"/>`;
}

// No ovf:class or ovf:instance: the environment's keys are then exactly the catalogue's
// (guestinfo.hostname, …). A <Category> opens a group in the wizard; it applies to the
// properties after it, so one is written wherever the category changes.
function productSection(version: string, properties: readonly OvfProperty[]): string[] {
  const lines = [
    '    <ProductSection>',
    '      <Info>Information about the installed software</Info>',
    `      <Product>${text(PRODUCT)}</Product>`,
    `      <Vendor>${text(VENDOR)}</Vendor>`,
    `      <Version>${text(version)}</Version>`,
    `      <FullVersion>${text(`${PRODUCT} ${version} (Debian 13)`)}</FullVersion>`,
  ];
  let category: string | undefined;
  for (const p of properties) {
    if (p.category !== category) {
      category = p.category;
      lines.push(`      <Category>${text(category)}</Category>`);
    }
    const password = p.password === true ? ' ovf:password="true"' : '';
    lines.push(
      `      <Property ovf:key="${attr(p.key)}" ovf:type="${p.type}" ovf:userConfigurable="true" ovf:value="${attr(defaultValue(p))}"${password}>`,
      `        <Label>${text(p.label)}</Label>`,
      `        <Description>${text(p.description)}</Description>`,
      '      </Property>',
    );
  }
  lines.push('    </ProductSection>');
  return lines;
}

// ovf:value is typed by ovf:type, and an xs:boolean is spelled true/false/1/0 (XML Schema
// Part 2, 3.2.2.1): lower case here. vSphere writes the answer back as True/False, which
// is what the catalogue's defaults and the boot-time reader use.
function defaultValue(p: OvfProperty): string {
  if (p.type !== 'boolean') return p.defaultValue;
  const v = p.defaultValue.toLowerCase();
  if (v !== 'true' && v !== 'false') {
    throw new RangeError(`OVF property ${p.key}: boolean default must be True or False, got "${p.defaultValue}"`);
  }
  return v;
}

function checkInput(input: OvfDescriptorInput): void {
  for (const key of ['vmdkSize', 'capacity', 'populatedSize'] as const) {
    const n = input[key];
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${key} must be a whole number of bytes, got ${n}`);
  }
  if (input.capacity === 0 || input.vmdkSize === 0) throw new RangeError('capacity and vmdkSize must be above 0');
  // A reference is relative to the OVA: a bare file name (DSP0243 1.0, 7.1).
  if (!/^[A-Za-z0-9._-]+$/.test(input.vmdkFile)) throw new RangeError(`vmdkFile must be a bare file name, got "${input.vmdkFile}"`);
  // ovf:id is an xs:string but vSphere uses it as a VM name: keep it plain.
  if (!/^[A-Za-z0-9._-]+$/.test(input.name)) throw new RangeError(`name must be letters, digits, '.', '_' or '-', got "${input.name}"`);
  if (input.version.length === 0) throw new RangeError('version must not be empty');
}

function sortedEntries<T>(record: Readonly<Record<string, T>>): [string, T][] {
  return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

// Characters XML 1.0 cannot carry at all (2.2 Characters): refused, not escaped.
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

function text(value: string): string {
  if (NOT_XML.test(value)) throw new RangeError(`text has a character XML cannot carry: ${JSON.stringify(value)}`);
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

// In an attribute, quotes end the value and a raw tab or newline is normalised to a space
// (XML 1.0, 3.3.3): escaped as character references so the value survives as written.
function attr(value: string): string {
  return text(value)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}
