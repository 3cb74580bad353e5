// A subscription's filters as written (after the schema accepted them). Each filter is one
// key: an attribute dialect (Knative Eventing's exact, prefix, suffix), a payload dialect
// (data, cesql), or a composition (all, any, not).

export type Filter =
  | { readonly exact: Readonly<Record<string, string>> }
  | { readonly prefix: Readonly<Record<string, string>> }
  | { readonly suffix: Readonly<Record<string, string>> }
  | { readonly data: DataMatcher }
  | { readonly cesql: string }
  | { readonly all: readonly Filter[] }
  | { readonly any: readonly Filter[] }
  | { readonly not: Filter };

/** A JSON scalar, as a data matcher compares it. */
export type DataScalar = string | number | boolean | null;

/**
 * Where in `data` to look: `Vm.Name`, `Arguments.0.Value` (a number indexes an array), or a
 * list of keys for keys that hold dots: `["com.vmware.key", "Value"]`.
 */
export type DataPath = string | readonly (string | number)[];

/** `path` and exactly one operator (the schema enforces it); `caseInsensitive` where it applies. */
export interface DataMatcher {
  readonly path: DataPath;
  readonly caseInsensitive?: boolean;
  readonly equals?: DataScalar;
  readonly notEquals?: DataScalar;
  readonly prefix?: string;
  readonly suffix?: string;
  readonly contains?: DataScalar;
  readonly regex?: string;
  readonly wildcard?: string;
  readonly exists?: boolean;
  readonly in?: readonly DataScalar[];
  readonly gt?: number | string;
  readonly gte?: number | string;
  readonly lt?: number | string;
  readonly lte?: number | string;
}

export const dataOperators = [
  'equals', 'notEquals', 'prefix', 'suffix', 'contains', 'regex', 'wildcard', 'exists', 'in', 'gt', 'gte', 'lt', 'lte',
] as const;
export type DataOperator = (typeof dataOperators)[number];

/** Operators `caseInsensitive: true` applies to (string comparisons). */
export const caseInsensitiveOperators: ReadonlySet<DataOperator> = new Set([
  'equals', 'notEquals', 'prefix', 'suffix', 'contains', 'regex', 'wildcard', 'in',
]);

export const filterKeys = ['exact', 'prefix', 'suffix', 'data', 'cesql', 'all', 'any', 'not'] as const;
