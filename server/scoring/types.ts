/** What every scorer returns (the shape Inspect AI uses): a value, why, and the evidence. */
export interface Score {
  value: number;
  explanation: string;
  details?: Record<string, unknown>;
}

/** Versions of the scorers, recorded in each run so a changed scorer is never compared silently. */
export const SCORER_VERSIONS = {
  // 2: a forbidden hit scores a refusal-rule item 0 (forbidden_fails).
  keyword: '2',
  forbidden: '1',
  chrf: '1',
  blog: '1',
} as const;
