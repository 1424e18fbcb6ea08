/** How far an execution is, as its progress callback receives it. */
export interface Progress {
  done: number;
  total: number;
  errors: number;
  /** Requests sent in this process, retries included. */
  requests: number;
  elapsedMs: number;
}

/** One item × sample stored, as its item callback receives it. */
export interface ItemEvent {
  set: string;
  itemId: string;
  sample: number;
  error: string | null;
  score: number | null;
}
