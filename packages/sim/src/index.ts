export * from './sim-bmc-server.js';
export {
  SIM_MAX_BODY_BYTES,
  type SimBootDevice,
  type SimPowerAction,
  type SimPowerState,
} from './sim-bmc-wire.js';
export * from './machine-simulator.js';
export * from './simulated-machine.js';
export * from './maas-client.js';
export * from './preseed-credentials.js';
export * from './tar-reader.js';
export * from './sim-hardware.js';
export * from './sim-lshw.js';
