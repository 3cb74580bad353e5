// Key paths as an operator writes them (`sources[2].auth.secret`), and the conversion from
// the JSON Pointers ajv reports (`/sources/2/auth/secret`, RFC 6901).

export type KeyPath = readonly (string | number)[];

const plainKey = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

export function formatKeyPath(path: KeyPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (plainKey.test(segment)) out += out ? `.${segment}` : segment;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/**
 * Segments of a JSON Pointer. Whether a segment is a list index depends on the data, so
 * `data` is walked alongside: `/sources/2` is index 2 only because `sources` is an array.
 */
export function pointerToPath(pointer: string, data: unknown): (string | number)[] {
  if (pointer === '') return [];
  const path: (string | number)[] = [];
  let at: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const segment = Array.isArray(at) && /^[0-9]+$/.test(key) ? Number(key) : key;
    path.push(segment);
    at = at !== null && typeof at === 'object' ? (at as Record<string | number, unknown>)[segment] : undefined;
  }
  return path;
}

/** The value at `path` inside plain data, or undefined. */
export function valueAt(data: unknown, path: KeyPath): unknown {
  let at = data;
  for (const segment of path) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string | number, unknown>)[segment];
  }
  return at;
}
