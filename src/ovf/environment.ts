// Parses an OVF environment document (ovf-env.xml, DMTF DSP0243 section 11) into its
// properties: `<Environment><PropertySection><Property oe:key=".." oe:value=".."/>`.
// vSphere adds sections of its own (PlatformSection, ve:EthernetAdapterSection…) and a
// vApp adds <Entity> elements for its other VMs: only this VM's own PropertySection counts.

import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { OvfEnvironmentError } from '../errors.js';

export const ovfEnvironmentNamespace = 'http://schemas.dmtf.org/ovf/environment/1';

type XmlElement = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  // Values are passwords and host names: never turned into numbers or booleans, never trimmed.
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: false,
  // Entities are decoded below, the five XML ones and character references only: an OVF
  // environment has no DTD, and no entity it might declare is expanded.
  processEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

/** The properties of the environment, key → value, in document order. Throws OvfEnvironmentError. */
export function parseOvfEnvironment(xml: string, where: string): Map<string, string> {
  if (/<!DOCTYPE/i.test(xml)) throw new OvfEnvironmentError(`${where}: an OVF environment has no DOCTYPE; refusing a document that declares one`);
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    const { line, col, msg } = valid.err;
    throw new OvfEnvironmentError(`${where}:${line}:${col}: not well-formed XML: ${msg}`);
  }
  const root = environmentElement(parser.parse(xml) as XmlElement, where);
  const { element, attribute } = qualifiedNames(root);
  const properties = new Map<string, string>();
  for (const section of children(root, element('PropertySection'))) {
    for (const property of children(section, element('Property'))) {
      const key = attributeOf(property, attribute('key'));
      if (key === undefined || key === '') throw new OvfEnvironmentError(`${where}: a <Property> has no oe:key attribute`);
      properties.set(decodeEntities(key), decodeEntities(attributeOf(property, attribute('value')) ?? ''));
    }
  }
  return properties;
}

function environmentElement(document: XmlElement, where: string): XmlElement {
  const names = Object.keys(document);
  const name = names.find((n) => n === 'Environment' || n.endsWith(':Environment'));
  const root = name === undefined ? undefined : document[name];
  if (name === undefined || !isElement(root)) {
    throw new OvfEnvironmentError(`${where}: expected an OVF <Environment> document, found <${names[0] ?? 'nothing'}>`);
  }
  const prefix = name.includes(':') ? name.slice(0, name.indexOf(':')) : '';
  const declared = root[prefix === '' ? '@xmlns' : `@xmlns:${prefix}`];
  if (declared !== ovfEnvironmentNamespace) {
    throw new OvfEnvironmentError(`${where}: <${name}> is not in the OVF environment namespace ${ovfEnvironmentNamespace}`);
  }
  return root;
}

/**
 * Element and attribute names as this document spells them: the prefixes bound to the OVF
 * environment namespace on the root (vSphere binds both the default namespace and `oe:`).
 * Attributes without a prefix are accepted too, as some generators write them.
 */
function qualifiedNames(root: XmlElement): { element: (local: string) => string[]; attribute: (local: string) => string[] } {
  const prefixes = Object.entries(root)
    .filter(([name, value]) => name.startsWith('@xmlns:') && value === ovfEnvironmentNamespace)
    .map(([name]) => name.slice('@xmlns:'.length));
  const defaultIsOvf = root['@xmlns'] === ovfEnvironmentNamespace;
  return {
    element: (local) => [...(defaultIsOvf ? [local] : []), ...prefixes.map((p) => `${p}:${local}`)],
    attribute: (local) => [...prefixes.map((p) => `@${p}:${local}`), `@${local}`],
  };
}

function isElement(value: unknown): value is XmlElement {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Child elements of any of `names`, in order; an element written once is not an array. */
function children(parent: XmlElement, names: readonly string[]): XmlElement[] {
  return names.flatMap((name) => {
    const value = parent[name];
    return (Array.isArray(value) ? value : [value]).filter(isElement);
  });
}

function attributeOf(element: XmlElement, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = element[name];
    if (typeof value === 'string') return value;
  }
  return undefined;
}

const entities: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9A-Fa-f]+|#[0-9]+|[A-Za-z]+);/g, (match, name: string) => {
    if (!name.startsWith('#')) return entities[name] ?? match;
    const code = name.startsWith('#x') ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : match;
  });
}
