/*
 * The API's response shapes as the page reads them: the one module through which types reach the
 * page (web/src/api.ts and the page's DOM-free chart modules import it, type-only, so nothing of
 * it is bundled). Each type comes from the route's response schema (TypeBox `Static<>`), so
 * validation, the OpenAPI document and the page share one definition. Where a route's schema is
 * open (a run's results, the gate report, the event stream's progress), the server's own type is
 * passed on until the schema describes it.
 */
import type { Static } from 'typebox';
import type { Comparison as ComparisonSchema, MetricChange as MetricChangeSchema, TrendBody as TrendBodySchema, TrendSeries as TrendSeriesSchema } from './compare.js';
import type { EvalSetListing as EvalSetListingSchema } from './evalsets.js';
import type { Metric, MetricGroup as MetricGroupSchema } from './metrics.js';
import type {
  Advice as AdviceSchema, CategoryName, Checkpoint as CheckpointSchema, MetricStat, NewCheckpointBody as NewCheckpointSchema,
} from './schemas.js';
import type { RunProgress } from '../pipeline/post-run.js';

/** GET /api/metrics: one metric's definition. */
export type MetricDef = Static<typeof Metric>;
/** GET /api/metrics: one named group of metrics (the metric picker's). */
export type MetricGroup = Static<typeof MetricGroupSchema>;
/** A SliCK knowledge category against the base model. */
export type Category = Static<typeof CategoryName>;
/** A metric's n and 95% interval. */
export type MetricInterval = Static<typeof MetricStat>;
/** GET /api/checkpoints: one checkpoint. */
export type Checkpoint = Static<typeof CheckpointSchema>;
/** POST /api/checkpoints's body. */
export type NewCheckpoint = Static<typeof NewCheckpointSchema>;
/** GET /api/evalsets: one offered set, or why it cannot be used. */
export type EvalSetListing = Static<typeof EvalSetListingSchema>;
/** GET /api/trend: one metric's series. */
export type TrendSeries = Static<typeof TrendSeriesSchema>;
export type TrendPoint = TrendSeries['points'][number];
/** GET /api/trend: the series with their window, the tags and the baseline. */
export type TrendBody = Static<typeof TrendBodySchema>;
/** GET /api/compare. */
export type Comparison = Static<typeof ComparisonSchema>;
export type MetricChange = Static<typeof MetricChangeSchema>;
export type Flip = Comparison['flips'][number];
export type FlipSide = Flip['base'];
export type Moved = Comparison['moved'][number];
export type BlogChange = Comparison['blog'][number];
export type Transitions = Comparison['transitions'][string];
export type KeywordMarks = NonNullable<FlipSide['marks']>;
export type ReferenceChoice = Comparison['reference'];
/** GET /api/advise. */
export type Advice = Static<typeof AdviceSchema>;
export type AdviceRow = Advice['rows'][number];

// Open schemas: the server's types until the schemas describe these bodies field by field.
export type { RunJson, ItemJson } from '../report/run-json.js';
export type { GateReport } from '../gate/decide.js';
export type { ReportData } from '../gate/html-report.js';
/**
 * A followed run's progress event (GET /api/runs/:id/events): done, total, errors, and more while
 * it runs; during a step after the items, that step (`phase`) and its own count of requests.
 */
export type LiveProgress = Pick<RunProgress, 'done' | 'total' | 'errors'> & Partial<RunProgress>;
export type { PostRunPhase } from '../pipeline/post-run.js';
