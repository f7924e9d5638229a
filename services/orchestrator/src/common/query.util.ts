import { BadRequestException } from '@nestjs/common';
import { DEPLOYMENT_ID, SUBJECT_TOKEN } from '@greenlight/contracts';
import { DEPLOYMENT_ERRORS } from '../deployments/deployments.constants';

/** Path and query values checked before they reach Redis or a NATS subject. */
export function assertDeploymentId(id: string): void {
  if (!DEPLOYMENT_ID.test(id)) throw new BadRequestException(DEPLOYMENT_ERRORS.invalidId(id));
}

export function assertServiceName(service: string | undefined): void {
  if (service !== undefined && !SUBJECT_TOKEN.test(service)) {
    throw new BadRequestException(`service "${service}" is not a valid service name`);
  }
}

export function parseLimit(value: string | undefined, fallback: number, max: number): number {
  // Digits only: Number() would also take "1e3", "0x10" and " 5 ".
  const n = value === undefined ? fallback : /^\d{1,9}$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new BadRequestException(`limit must be an integer from 1 to ${max}`);
  }
  return n;
}
