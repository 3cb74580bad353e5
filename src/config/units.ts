// Durations (`500ms`, `30s`, `5m`, `2h`, `7d`) and sizes (`512KiB`, `1MiB`, `10MB`, or a
// number of bytes) as operators write them, and the schema fragments that accept them.

const durationUnits: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const sizeUnits: Record<string, number> = {
  b: 1, kb: 1_000, mb: 1_000_000, gb: 1_000_000_000,
  kib: 1_024, mib: 1_048_576, gib: 1_073_741_824,
};

export const durationPattern = '^[0-9]+(\\.[0-9]+)?(ms|s|m|h|d)$';
export const sizePattern = '^[0-9]+(\\.[0-9]+)?\\s*([kKmMgG]i?[bB]|[bB])$';

export const durationSchema = {
  type: 'string',
  pattern: durationPattern,
  description: 'A duration: a number and a unit, e.g. 500ms, 30s, 5m, 2h, 7d.',
} as const;

export const sizeSchema = {
  oneOf: [
    { type: 'integer', minimum: 0 },
    { type: 'string', pattern: sizePattern },
  ],
  description: 'A size in bytes, or a number and a unit: 512KiB, 1MiB, 10MB.',
} as const;

/** Milliseconds in a duration string. Throws RangeError on anything else. */
export function parseDuration(text: string): number {
  const m = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (!m) throw new RangeError(`"${text}" is not a duration (write e.g. 500ms, 30s, 5m)`);
  return Math.round(Number(m[1]) * durationUnits[m[2]!]!);
}

/** Bytes in a size (a number passes through). Throws RangeError on anything else. */
export function parseSize(value: number | string): number {
  if (typeof value === 'number') return value;
  const m = /^([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z]+)$/.exec(value.trim());
  const unit = m ? sizeUnits[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new RangeError(`"${value}" is not a size (write e.g. 512KiB, 1MiB)`);
  return Math.round(Number(m[1]) * unit);
}
