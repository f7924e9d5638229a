export * from './hot-prefix.types';
