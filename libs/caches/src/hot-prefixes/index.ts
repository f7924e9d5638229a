export * from './hot-prefix.types';
export * from './hot-prefix.constants';
export * from './hot-prefix.util';
export * from './redis-hot-prefix.store';
export * from './prefix-prewarm.util';
