/** The paired test's significance level: green is "significantly worse" below it. */
export const SIGNIFICANCE = 0.05;

export const GATE_TESTS = {
  none: 'none (no blue pool to compare with)',
  mcnemar: (discordant: number) =>
    `exact McNemar (two-sided binomial on ${discordant} discordant pair${discordant === 1 ? '' : 's'}, alpha ${SIGNIFICANCE})`,
} as const;

export const GATE_REASONS = {
  passRate: (rate: string, bar: string) => `green pass rate ${rate} < ${bar}`,
  worseThanBlue: (worse: number, paired: number, p: string) =>
    `green worse than blue on ${worse} of ${paired} paired cases (exact McNemar p=${p})`,
} as const;
