// The function catalog the processor and the router read while the appliance runs. A reload
// swaps its whole map at once, so a lookup sees either the old set of functions or the new
// one, never half of each. Each function is held twice: as the registry found it in the
// functions folder (what the next reload compares against) and as it runs (its snapshot).

import type { FunctionCatalog, FunctionDefinition } from '../runtime/function-definition.js';

export interface LoadedFunction {
  /** As scanned from the functions folder: entry and paths there. */
  readonly source: FunctionDefinition;
  /** What workers run: the same version, copied where a later edit cannot reach it. */
  readonly running: FunctionDefinition;
}

export class LiveCatalog implements FunctionCatalog {
  #byName: ReadonlyMap<string, LoadedFunction>;

  constructor(loaded: Iterable<LoadedFunction>) {
    this.#byName = byName(loaded);
  }

  /** A catalog that runs functions where they are (no reload, so no snapshot needed). */
  static inPlace(catalog: FunctionCatalog): LiveCatalog {
    return new LiveCatalog(catalog.names().map((name) => {
      const definition = catalog.get(name)!;
      return { source: definition, running: definition };
    }));
  }

  get(name: string): FunctionDefinition | undefined {
    return this.#byName.get(name)?.running;
  }

  names(): string[] {
    return [...this.#byName.keys()].sort();
  }

  /** The same functions as found in the functions folder (paths there, not the copies'): for display. */
  sources(): FunctionCatalog {
    return { get: (name) => this.#byName.get(name)?.source, names: () => this.names() };
  }

  loaded(): ReadonlyMap<string, LoadedFunction> {
    return this.#byName;
  }

  replace(loaded: Iterable<LoadedFunction>): void {
    this.#byName = byName(loaded);
  }
}

function byName(loaded: Iterable<LoadedFunction>): ReadonlyMap<string, LoadedFunction> {
  return new Map([...loaded].map((l) => [l.source.name, l]));
}
