// The Totem protocol core's public face (pure; the UDP driver will live beside it).
export * from './constants.js';
export * from './types.js';
export { TotemCore, coreConfigFromTotem, type TotemCoreConfig, type TotemCounters, type TotemState } from './core.js';
