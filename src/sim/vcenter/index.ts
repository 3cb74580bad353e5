// The vCenter simulator's public surface: the server side of the event stream contract,
// for tests (in-process) and for `switchboard sim vcenter` (the demo's vCenter).

export { startVcenterSimulator, type DropCode, type VcenterSimulator } from './server.js';
export { defaults, defaultCredentials, type DropMode, type SimulatorLogger, type SimulatorOptions } from './options.js';
export { eventClasses, type EventClass, type MoRef, type VsphereEvent } from './types.js';
