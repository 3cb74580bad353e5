// Media types as `datacontenttype` and HTTP Content-Type carry them: RFC 2045 section 5.1
// syntax for the RFC 2046 types the CloudEvents spec names (spec.md "datacontenttype").

// RFC 2045 5.1 token: printable US-ASCII except SPACE and tspecials ()<>@,;:\"/[]?=
const token = "[!#$%&'*+\\-.0-9A-Z^_`a-z{|}~]+";
// RFC 822 quoted-string: any CHAR but `"`, `\` and CR, or a backslash-quoted CHAR.
const quotedString = '"(?:[\\t\\x20\\x21\\x23-\\x5B\\x5D-\\x7E]|\\\\[\\t\\x20-\\x7E])*"';
const mediaTypePattern = new RegExp(
  `^(${token})/(${token})((?:[ \\t]*;[ \\t]*${token}=(?:${token}|${quotedString}))*)[ \\t]*$`,
);
const parameterPattern = new RegExp(`;[ \\t]*(${token})=(${token}|${quotedString})`, 'g');

export interface MediaType {
  /** Lower-cased: RFC 2045 says type, subtype and parameter names are case-insensitive. */
  readonly type: string;
  readonly subtype: string;
  /** Parameter values unquoted; names lower-cased. */
  readonly parameters: ReadonlyMap<string, string>;
}

/** The parts of an RFC 2045 content type, or undefined when `value` is not one. */
export function parseMediaType(value: string): MediaType | undefined {
  const m = mediaTypePattern.exec(value);
  if (!m) return undefined;
  const parameters = new Map<string, string>();
  for (const p of m[3]!.matchAll(parameterPattern)) {
    const raw = p[2]!;
    const unquoted = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
    parameters.set(p[1]!.toLowerCase(), unquoted);
  }
  return { type: m[1]!.toLowerCase(), subtype: m[2]!.toLowerCase(), parameters };
}

export function isMediaType(value: string): boolean {
  return mediaTypePattern.test(value);
}

/**
 * json-format.md 3.1.1: a content type declares JSON when, stripped of parameters, its
 * subtype is `json` or ends in `+json` (application/json, text/json, application/ld+json).
 */
export function declaresJson(media: MediaType): boolean {
  return media.subtype === 'json' || media.subtype.endsWith('+json');
}
