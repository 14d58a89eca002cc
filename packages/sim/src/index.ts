export * from './sim-bmc-server.js';
export {
  SIM_MAX_BODY_BYTES,
  type SimBootDevice,
  type SimPowerAction,
  type SimPowerState,
} from './sim-bmc-wire.js';
