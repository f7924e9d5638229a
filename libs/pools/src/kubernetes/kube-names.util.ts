import { createHash } from 'node:crypto';

const DNS_LABEL_MAX = 63;
const HASH_LENGTH = 8;
const LABEL_VALUE = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, HASH_LENGTH);
}

function squeeze(text: string, allowed: RegExp): string {
  return text.replace(allowed, '-').replace(/-+/g, '-').replace(/^-|-$/g, '');
}

/**
 * A DNS label (Deployment and Service names) for `text`. When characters had to be replaced or
 * cut, a hash of the original is appended, so "v2.1" and "v2-1" never name the same Deployment.
 */
export function dnsLabel(text: string): string {
  const clean = squeeze(text.toLowerCase(), /[^a-z0-9-]/g);
  if (clean === text && clean.length <= DNS_LABEL_MAX) return clean;
  const head = clean.slice(0, DNS_LABEL_MAX - HASH_LENGTH - 1).replace(/-$/, '');
  return head ? `${head}-${shortHash(text)}` : shortHash(text);
}

/** A label value for `text`, made valid the same way when it is not. */
export function labelValue(text: string): string {
  if (LABEL_VALUE.test(text)) return text;
  const clean = squeeze(text, /[^A-Za-z0-9_.-]/g).replace(/^[-_.]+|[-_.]+$/g, '');
  const head = clean.slice(0, DNS_LABEL_MAX - HASH_LENGTH - 1).replace(/[-_.]+$/, '');
  return head ? `${head}-${shortHash(text)}` : shortHash(text);
}
