import type { ReportedEndpoint } from '../store/types.js';
import { oneLine } from '../untrusted-text.js';

/** Distinct values kept per field: a server that reports a new value per response cannot bloat the run. */
export const REPORTED_MAX_VALUES = 8;
/** Characters kept per value. */
export const REPORTED_MAX_LENGTH = 200;

export interface ReportedCollector {
  /** Adds what one response reported; true when a new distinct value was kept (worth storing). */
  add(served: { model: string | null; systemFingerprint: string | null }): boolean;
  value(): ReportedEndpoint;
}

/**
 * Collects the distinct `model` and `system_fingerprint` values an endpoint reports, on top of
 * what the run recorded before (a resume keeps them). Values are untrusted text: one printable
 * line each, capped in length, and at most REPORTED_MAX_VALUES of them (the first seen).
 */
export function reportedCollector(start: ReportedEndpoint | undefined): ReportedCollector {
  const models = new Set(start?.models ?? []);
  const fingerprints = new Set(start?.systemFingerprints ?? []);
  const put = (set: Set<string>, raw: string | null): boolean => {
    if (raw === null || set.size >= REPORTED_MAX_VALUES) return false;
    const v = oneLine(raw, REPORTED_MAX_LENGTH);
    if (v === '' || set.has(v)) return false;
    set.add(v);
    return true;
  };
  return {
    add(served) {
      const m = put(models, served.model);
      const f = put(fingerprints, served.systemFingerprint);
      return m || f;
    },
    value: () => ({ models: [...models], systemFingerprints: [...fingerprints] }),
  };
}
