/** Where the page's files live, beside the compiled code (scripts/build.mjs copies every assets/ folder). */
export const DASHBOARD_ASSETS_DIR = 'assets';

/** URL prefix of the page's script and stylesheet (the page itself is `/`). */
export const DASHBOARD_ROUTE = 'dashboard';

export const DASHBOARD_FILES = {
  page: 'index.html',
  script: 'dashboard.js',
  style: 'dashboard.css',
} as const;

export type DashboardFile = keyof typeof DASHBOARD_FILES;

export const DASHBOARD_CONTENT_TYPES: Record<DashboardFile, string> = {
  page: 'text/html; charset=utf-8',
  script: 'text/javascript; charset=utf-8',
  style: 'text/css; charset=utf-8',
};

/** Replaced in index.html by the control rules (JSON), so the page never re-decides transitions. */
export const RULES_PLACEHOLDER = '__GREENLIGHT_DASHBOARD_BOOTSTRAP__';

/**
 * Nothing but this origin: no CDN, no inline script, no frames. The bearer token lives in the
 * page, so a strict policy is what keeps an injected string from reading it.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const DASHBOARD_HEADERS = {
  'Content-Security-Policy': DASHBOARD_CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  // Small files; always revalidated so a new build is seen at once.
  'Cache-Control': 'no-cache',
} as const;

export const DASHBOARD_ERRORS = {
  missingAsset: (path: string) =>
    `dashboard file ${path} is missing: build with \`node scripts/build.mjs\` (it copies src/**/assets into dist)`,
} as const;
