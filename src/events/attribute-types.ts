// The CloudEvents type system (specs/cloudevents/spec.md "Type System") as predicates on
// the JSON-format encodings (json-format.md 2.2). Pure: no I/O, no allocation per call
// beyond the regex match.

// spec.md "Type System", String: control characters (U+0000-001F, U+007F-009F),
// Unicode noncharacters and unpaired surrogates are disallowed. With the `u` flag a
// properly paired surrogate is one code point and only a lone one matches \p{Cs}.
const disallowedInString = /[\p{Cc}\p{Noncharacter_Code_Point}\p{Cs}]/u;

/** Why `value` is not a CloudEvents String, or undefined when it is one. */
export function stringProblem(value: string): string | undefined {
  const bad = disallowedInString.exec(value);
  if (!bad) return undefined;
  const code = bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
  return `contains U+${code}, which a CloudEvents String must not hold (control character, noncharacter or unpaired surrogate)`;
}

// spec.md "Type System", Integer: signed 32-bit range, whole numbers only.
export const integerMin = -2_147_483_648;
export const integerMax = 2_147_483_647;

export function isCeInteger(value: number): boolean {
  return Number.isInteger(value) && value >= integerMin && value <= integerMax;
}

// RFC 3986 grammar, section by section, composed into the two productions the spec uses:
// URI-reference (4.1) for `source`, absolute-URI (4.3) for `dataschema`.
const unreserved = "A-Za-z0-9\\-._~";
const subDelims = "!$&'()*+,;=";
const pct = '%[0-9A-Fa-f]{2}';
const pchar = `(?:[${unreserved}${subDelims}:@]|${pct})`;
const segment = `${pchar}*`;
const segmentNz = `${pchar}+`;
const segmentNzNc = `(?:[${unreserved}${subDelims}@]|${pct})+`; // 3.3: no colon
const scheme = '[A-Za-z][A-Za-z0-9+\\-.]*'; // 3.1
const userinfo = `(?:[${unreserved}${subDelims}:]|${pct})*`; // 3.2.1
// 3.2.2: IP-literal is "[" IPv6address / IPvFuture "]"; the IPv6 shape is checked loosely
// (hex digits, colons, dots) — a reg-name already covers every IPv4address.
const ipLiteral = `\\[(?:[0-9A-Fa-f:.]+|[vV][0-9A-Fa-f]+\\.[${unreserved}${subDelims}:]+)\\]`;
const regName = `(?:[${unreserved}${subDelims}]|${pct})*`;
const authority = `(?:${userinfo}@)?(?:${ipLiteral}|${regName})(?::[0-9]*)?`;
const pathAbempty = `(?:/${segment})*`;
const pathAbsolute = `/(?:${segmentNz}(?:/${segment})*)?`;
const pathRootless = `${segmentNz}(?:/${segment})*`;
const pathNoscheme = `${segmentNzNc}(?:/${segment})*`;
const query = `(?:${pchar}|[/?])*`; // 3.4, and 3.5 fragment has the same grammar
const hierPart = `(?://${authority}${pathAbempty}|${pathAbsolute}|${pathRootless}|)`;
const relativePart = `(?://${authority}${pathAbempty}|${pathAbsolute}|${pathNoscheme}|)`;
const uri = `${scheme}:${hierPart}(?:\\?${query})?(?:#${query})?`;
const relativeRef = `${relativePart}(?:\\?${query})?(?:#${query})?`;

const uriReferencePattern = new RegExp(`^(?:${uri}|${relativeRef})$`);
const absoluteUriPattern = new RegExp(`^${scheme}:${hierPart}(?:\\?${query})?$`);

/** RFC 3986 section 4.1 URI-reference (spec.md: the type of `source`). */
export function isUriReference(value: string): boolean {
  return uriReferencePattern.test(value);
}

/** RFC 3986 section 4.3 absolute-URI: a scheme, and no fragment (spec.md: type `URI`). */
export function isAbsoluteUri(value: string): boolean {
  return absoluteUriPattern.test(value);
}

// RFC 3339 section 5.6 date-time. "T" and "Z" may be lower case (5.6 NOTE); the offset is
// mandatory, so a local time without one is not a timestamp.
const timestampPattern =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|[+-](\d{2}):(\d{2}))$/;

/** RFC 3339 date-time with the calendar ranges of section 5.7 enforced. */
export function isRfc3339Timestamp(value: string): boolean {
  const m = timestampPattern.exec(value);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return false;
  // 5.7: time-second may be 60 on a leap second; which minutes carry one is not checked.
  if (hour > 23 || minute > 59 || second > 60) return false;
  if (m[7] !== undefined && (Number(m[7]) > 23 || Number(m[8]) > 59)) return false;
  return true;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

// RFC 4648 section 4, padded; 3.3: characters outside the alphabet (line breaks
// included) are rejected because nothing in the JSON format allows them.
const base64Pattern = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function isBase64(value: string): boolean {
  return base64Pattern.test(value);
}
