export { main } from './cli.js';
export type { ServerConfig } from './config.js';
export { readConfig } from './config.js';
export { demoClient, seedDemo } from './demo.js';
export type { SeedOptions, SeedResult } from './seed.js';
export { seedSynthetic } from './seed.js';
export type { OpenedServer, RunningServer } from './server.js';
export { openServer, startServer } from './server.js';
