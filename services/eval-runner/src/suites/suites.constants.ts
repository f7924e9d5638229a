/** Smoke checks take a few report rows; the report holds at most 2000 (EvalReportSchema). */
export const MAX_SUITE_CASES = 1_900;

/** Suites larger than this are not a suite someone wrote by hand: refuse to read them. */
export const MAX_SUITE_BYTES = 4 * 1024 * 1024;

/** ajv as suites use it: every problem at once; unknown keywords allowed (draft extras). */
export const AJV_OPTIONS = { allErrors: true, strict: false } as const;

/** What a suite author reads when a suite is refused. */
export const SUITE_MESSAGES = {
  badRegex: 'is not a valid regular expression',
  badRegexFlags: 'flags may only be i, m, s and u',
  badJsonSchema: (detail: string) => `is not a JSON schema ajv can compile: ${detail}`,
  badId: 'must be 1-200 letters, digits or ._:@/-',
  messagesOrPrompt: 'needs exactly one of messages (chat) or prompt (completion)',
  duplicateId: (id: string, first: number) => `"${id}" is already the id of cases[${first}]`,
} as const;

/** Why a suite could not be used; each names the path the command gave. */
export const SUITE_ERRORS = {
  outsideRoot: (path: string) => `suite ${path} is outside the suite directory`,
  notFound: (path: string, root: string) => `suite ${path} not found under ${root}`,
  unreadable: (path: string, reason: string) => `suite ${path} cannot be read: ${reason}`,
  tooLarge: (path: string) => `suite ${path} is larger than ${MAX_SUITE_BYTES} bytes`,
  syntax: (path: string, reason: string) => `suite ${path} is not valid YAML: ${reason}`,
  invalid: (path: string, detail: string) => `suite ${path} is invalid: ${detail}`,
} as const;
