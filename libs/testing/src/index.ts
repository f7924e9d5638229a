export * from './ports.util';
export * from './process.util';
export * from './servers';
export * from './stack';
export * from './simulator';
export * from './haproxy';
export * from './cluster';
export * from './nats-auth';
