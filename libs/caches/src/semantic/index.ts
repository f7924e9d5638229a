export * from './semantic-cache.types';
