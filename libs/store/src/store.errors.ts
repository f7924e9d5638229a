import { STORE_ERRORS } from './store.constants';

export class NotFoundError extends Error {
  constructor(readonly id: string) {
    super(STORE_ERRORS.notFound(id));
    this.name = 'NotFoundError';
  }
}

/** Someone else wrote the record since it was read (optimistic concurrency). */
export class StaleVersionError extends Error {
  constructor(
    readonly id: string,
    readonly expected: number,
    readonly actual: number,
  ) {
    super(STORE_ERRORS.staleVersion(id, expected, actual));
    this.name = 'StaleVersionError';
  }
}
