export * from './judge.constants';
export * from './judge.util';
export * from './stats.util';
export * from './metrics-window.util';
