/** Plans outlive the longest deployment (standby is at most 7 days), then expire. */
export const PLAN_TTL_SECONDS = 30 * 24 * 3_600;

export const PLAN_KEYS = {
  /** string: JSON { service, plan } of one deployment, written when the plan is made. */
  plan: (deploymentId: string) => `gl:cache-plan:${deploymentId}`,
} as const;
