import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { renderOvfDescriptor, type OvfDescriptorInput } from '../../src/ovf/descriptor.js';
import { ovfProperties, type OvfProperty } from '../../src/ovf/properties.js';

const input: OvfDescriptorInput = {
  name: 'switchboard',
  version: '1.2.3',
  vmdkFile: 'switchboard-1.2.3-disk1.vmdk',
  vmdkSize: 251_658_752,
  capacity: 8 * 1024 ** 3,
  populatedSize: 1_073_741_824,
};

type Node = Record<string, unknown>;

// Attributes as '@ovf:key', text as '#text'; every value a string, as written.
function parse(xml: string): Node {
  const repeated = new Set(['Item', 'Property', 'Category', 'File', 'Disk', 'Network', 'vmw:Config']);
  return new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    parseTagValue: false,
    parseAttributeValue: false,
    htmlEntities: true,
    isArray: (name) => repeated.has(name),
  }).parse(xml) as Node;
}

const at = (node: unknown, ...path: string[]): Node => path.reduce((n, key) => (n as Node)[key] as Node, node as Node);
const list = (node: unknown, ...path: string[]): Node[] => at(node, ...path) as unknown as Node[];
const textOf = (node: unknown): string => (typeof node === 'string' ? node : String((node as Node)['#text'] ?? ''));

function envelope(xml = renderOvfDescriptor(input)): Node {
  return at(parse(xml), 'Envelope');
}

function productSection(xml = renderOvfDescriptor(input)): Node {
  return at(envelope(xml), 'VirtualSystem', 'ProductSection');
}

// The ProductSection's children in document order: [tag, text-or-key] pairs.
function productChildren(xml: string): [string, string][] {
  const ordered = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', preserveOrder: true, parseTagValue: false }).parse(xml) as Node[];
  const find = (nodes: Node[], tag: string): Node[] => (nodes.find((n) => tag in n) as Node)[tag] as Node[];
  const section = find(find(find(ordered, 'Envelope'), 'VirtualSystem'), 'ProductSection');
  return section.map((child) => {
    const tag = Object.keys(child).find((k) => k !== ':@') ?? '';
    const attrs = (child[':@'] ?? {}) as Node;
    const body = child[tag] as Node[];
    return [tag, tag === 'Property' ? String(attrs['@ovf:key']) : textOf(body[0]?.['#text'] ?? '')];
  });
}

function hardwareItems(): Node[] {
  return list(envelope(), 'VirtualSystem', 'VirtualHardwareSection', 'Item');
}

function itemOfType(resourceType: number): Node {
  const item = hardwareItems().find((i) => i['rasd:ResourceType'] === String(resourceType));
  if (item === undefined) throw new Error(`no item of ResourceType ${resourceType}`);
  return item;
}

describe('OVF descriptor', () => {
  it('is well-formed XML in the OVF 1.0 envelope namespace', () => {
    const xml = renderOvfDescriptor(input);
    expect(XMLValidator.validate(xml)).toBe(true);
    const env = envelope(xml);
    expect(env['@xmlns']).toBe('http://schemas.dmtf.org/ovf/envelope/1');
    expect(env['@xmlns:ovf']).toBe('http://schemas.dmtf.org/ovf/envelope/1');
    expect(env['@xmlns:rasd']).toBe('http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData');
    expect(env['@xmlns:vssd']).toBe('http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData');
    expect(env['@xmlns:vmw']).toBe('http://www.vmware.com/schema/ovf');
  });

  it('references the VMDK by name with the size it was given', () => {
    const [file] = list(envelope(), 'References', 'File');
    expect(file).toMatchObject({ '@ovf:href': input.vmdkFile, '@ovf:id': 'file1', '@ovf:size': String(input.vmdkSize) });
  });

  it('declares a streamOptimized disk of the given capacity and populated size, on that file', () => {
    const [disk] = list(envelope(), 'DiskSection', 'Disk');
    expect(disk).toMatchObject({
      '@ovf:capacity': String(input.capacity),
      '@ovf:capacityAllocationUnits': 'byte',
      '@ovf:populatedSize': String(input.populatedSize),
      '@ovf:fileRef': 'file1',
      '@ovf:format': 'http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized',
    });
    expect(itemOfType(17)['rasd:HostResource']).toBe(`ovf:/disk/${String(disk?.['@ovf:diskId'])}`);
  });

  it('asks for 1 vCPU, 512 MB, a VMXNET3 NIC on VM Network and the disk on paravirtual SCSI', () => {
    expect(itemOfType(3)['rasd:VirtualQuantity']).toBe('1');
    expect(itemOfType(4)).toMatchObject({ 'rasd:VirtualQuantity': '512', 'rasd:AllocationUnits': 'byte * 2^20' });
    const nic = itemOfType(10);
    expect(String(nic['rasd:ResourceSubType']).toLowerCase()).toBe('vmxnet3');
    expect(nic['rasd:Connection']).toBe('VM Network');
    expect(list(envelope(), 'NetworkSection', 'Network').map((n) => n['@ovf:name'])).toEqual(['VM Network']);
    const scsi = itemOfType(6);
    expect(scsi['rasd:ResourceSubType']).toBe('VirtualSCSI');
    expect(itemOfType(17)['rasd:Parent']).toBe(scsi['rasd:InstanceID']);
  });

  it('has a CD-ROM on an IDE controller for the ISO transport of other platforms', () => {
    const cdrom = itemOfType(15);
    expect(cdrom['rasd:Parent']).toBe(itemOfType(5)['rasd:InstanceID']);
    expect(cdrom['@ovf:required']).toBe('false');
  });

  it('gives every item a distinct InstanceID and writes RASD elements in schema (alphabetical) order', () => {
    const xml = renderOvfDescriptor(input);
    const ids = hardwareItems().map((i) => i['rasd:InstanceID']);
    expect(new Set(ids).size).toBe(ids.length);
    for (const block of xml.match(/<Item[^>]*>[\s\S]*?<\/Item>/g) ?? []) {
      const names = [...block.matchAll(/<rasd:(\w+)>/g)].map((m) => m[1] ?? '');
      expect(names).toEqual([...names].sort());
    }
  });

  it('delivers the OVF environment through VMware Tools, on hardware and a guest OS both ESXi 7.0 and 8.0 run', () => {
    const vs = at(envelope(), 'VirtualSystem');
    const hw = at(vs, 'VirtualHardwareSection');
    expect(hw['@ovf:transport']).toBe('com.vmware.guestInfo');
    // vmx-17: the newest that ESXi 7.0 GA runs; 8.0 runs it too.
    expect(at(hw, 'System')['vssd:VirtualSystemType']).toBe('vmx-17');
    expect(at(vs, 'OperatingSystemSection')['@vmw:osType']).toBe('debian11_64Guest');
    const configs = Object.fromEntries(list(hw, 'vmw:Config').map((c) => [c['@vmw:key'], c['@vmw:value']]));
    expect(configs).toMatchObject({ firmware: 'bios', 'tools.syncTimeWithHost': 'false' });
  });

  it('names the product, its vendor and version, and carries an annotation', () => {
    const product = productSection();
    expect(product).toMatchObject({ Product: 'Switchboard', Version: '1.2.3' });
    expect(String(product['Vendor'])).not.toBe('');
    expect(String(product['FullVersion'])).toContain('1.2.3');
    expect(String(at(envelope(), 'VirtualSystem', 'AnnotationSection')['Annotation'])).toContain('1.2.3');
  });

  it('declares every catalogue property with its label, description, type, default and password flag', () => {
    const declared = list(productSection(), 'Property');
    expect(declared.map((p) => p['@ovf:key'])).toEqual(ovfProperties.map((p) => p.key));
    for (const [i, p] of ovfProperties.entries()) {
      const d = declared[i] as Node;
      expect(d['Label'], p.key).toBe(p.label);
      expect(d['Description'], p.key).toBe(p.description);
      expect(d['@ovf:type'], p.key).toBe(p.type);
      expect(d['@ovf:userConfigurable'], p.key).toBe('true');
      // Booleans are written as xs:boolean (lower case); the catalogue keeps vSphere's True/False.
      const expected = p.type === 'boolean' ? p.defaultValue.toLowerCase() : p.defaultValue;
      expect(d['@ovf:value'], p.key).toBe(expected);
      expect(d['@ovf:password'], p.key).toBe(p.password === true ? 'true' : undefined);
    }
  });

  it('keeps the catalogue keys as they are: no ovf:class or ovf:instance', () => {
    const product = productSection();
    expect(product['@ovf:class']).toBeUndefined();
    expect(product['@ovf:instance']).toBeUndefined();
  });

  it('opens a Category wherever the category changes, so each property sits under its own', () => {
    const children = productChildren(renderOvfDescriptor(input)).filter(([tag]) => tag === 'Category' || tag === 'Property');
    let current = '';
    const categoryOf = new Map<string, string>();
    for (const [tag, value] of children) {
      if (tag === 'Category') current = value;
      else categoryOf.set(value, current);
    }
    for (const p of ovfProperties) expect(categoryOf.get(p.key), p.key).toBe(p.category);
    const categories = children.filter(([tag]) => tag === 'Category').map(([, v]) => v);
    expect(categories).toEqual([...new Set(ovfProperties.map((p) => p.category))]);
  });

  it('puts Product, Vendor and Version before the properties, as the schema orders them', () => {
    const tags = productChildren(renderOvfDescriptor(input)).map(([tag]) => tag);
    expect(tags.slice(0, 5)).toEqual(['Info', 'Product', 'Vendor', 'Version', 'FullVersion']);
  });

  it('escapes markup in labels, descriptions, defaults and the version', () => {
    const tricky: OvfProperty = {
      key: 'guestinfo.tricky',
      type: 'string',
      kind: 'text',
      category: 'A & <B>',
      label: 'Say "hi" & <bye>',
      description: "it's <b>bold</b> & 'quoted'\nsecond line",
      defaultValue: '"<&>\'\ttab\nline',
    };
    const xml = renderOvfDescriptor({ ...input, version: '1.0 <beta> & "rc"' }, [tricky]);
    expect(XMLValidator.validate(xml)).toBe(true);
    const [p] = list(productSection(xml), 'Property');
    expect(p?.['Label']).toBe(tricky.label);
    expect(p?.['Description']).toBe(tricky.description);
    expect(p?.['@ovf:value']).toBe(tricky.defaultValue);
    expect(productSection(xml)['Version']).toBe('1.0 <beta> & "rc"');
    expect(productChildren(xml).find(([tag]) => tag === 'Category')?.[1]).toBe('A & <B>');
  });

  it('refuses what it cannot describe', () => {
    expect(() => renderOvfDescriptor({ ...input, vmdkSize: -1 })).toThrow(RangeError);
    expect(() => renderOvfDescriptor({ ...input, capacity: 1.5 })).toThrow(RangeError);
    expect(() => renderOvfDescriptor({ ...input, vmdkFile: '../disk.vmdk' })).toThrow(RangeError);
    expect(() => renderOvfDescriptor({ ...input, version: 'a\u0001b' })).toThrow(RangeError);
    const badBoolean: OvfProperty = { ...(ovfProperties.find((p) => p.type === 'boolean') as OvfProperty), defaultValue: 'yes' };
    expect(() => renderOvfDescriptor(input, [badBoolean])).toThrow(/True or False/);
  });
});
