export * from './cache-plan.rules';
export * from './cache-plan.util';
