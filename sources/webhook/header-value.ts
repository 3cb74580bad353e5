// Decoding of ce-* header values, http-protocol-binding.md 3.1.3.2: first unescape
// RFC 7230 3.2.6 double-quoted strings (older senders quote), then one round of
// percent-decoding, and reject byte sequences that are not UTF-8 ("%C0%A0" is an overlong
// space and MUST be rejected). The cloudevents SDK does neither, so `ce-subject: a%20b`
// would reach functions as "a%20b".

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const needsDecoding = /["%\u0080-\uffff]/;

/** The attribute value a header carries. Throws RangeError saying what is wrong. */
export function decodeHeaderValue(raw: string): string {
  if (!needsDecoding.test(raw)) return raw;
  return percentDecode(unquote(raw));
}

function unquote(raw: string): string {
  if (!raw.includes('"')) return raw;
  let out = '';
  let quoted = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '"') quoted = !quoted;
    else if (c === '\\' && quoted) {
      if (i + 1 >= raw.length) break;
      out += raw[++i];
    } else out += c;
  }
  if (quoted) throw new RangeError('has an unterminated double-quoted string');
  return out;
}

function percentDecode(text: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x25 /* % */) {
      const hex = text.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw new RangeError('has a "%" that is not followed by two hex digits');
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (code <= 0xff) {
      // Node hands header bytes over as latin1; bytes above 0x7E are a sender's raw UTF-8.
      bytes.push(code);
    } else {
      // Not reachable from Node's parser; kept so the function is total over strings.
      const point = text.codePointAt(i)!;
      bytes.push(...Buffer.from(String.fromCodePoint(point), 'utf8'));
      if (point > 0xffff) i++;
    }
  }
  try {
    return utf8.decode(Uint8Array.from(bytes));
  } catch {
    throw new RangeError('is not valid UTF-8 once percent-decoded');
  }
}
