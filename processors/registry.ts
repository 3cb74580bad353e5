// The processor kinds the appliance can run functions with: a map, one line per kind.
// Adding a kind (a remote HTTP runner, say) is a folder under processors/ and a line here.

import type { Logger } from 'pino';
import type { FunctionCatalog } from '../src/runtime/function-definition.js';
import { createLocalProcessor } from './local/index.js';
import type { Processor } from './processor.js';

/** What every processor kind is built from; a kind may read more of its own options. */
export interface ProcessorDeps {
  readonly functions: FunctionCatalog;
  readonly logger: Logger;
  readonly maxWorkersPerFunction?: number;
}

export type ProcessorFactory = (deps: ProcessorDeps) => Processor;

export const processorKinds = {
  local: createLocalProcessor,
} satisfies Record<string, ProcessorFactory>;

export type ProcessorKind = keyof typeof processorKinds;
