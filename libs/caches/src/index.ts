export * from './plan';
export * from './hot-prefixes';
export * from './semantic';
