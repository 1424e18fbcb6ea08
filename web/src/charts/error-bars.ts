import type { Chart, Plugin } from 'chart.js';
import type { ErrorBarsOptions, IntervalDatum } from './datum.js';

const CAP = 4;

/** Used where a chart sets no colours (never by the dashboard's own configs). */
const FALLBACK: ErrorBarsOptions = { label: '#888888', labelHalo: 'rgba(0,0,0,0)' };

/**
 * Draws each point's 95% interval as whiskers (vertical from yMin to yMax, horizontal from xMin to
 * xMax) in its dataset's colour, and a point's `label` beside it. Chart.js has no error bars of
 * its own; this is the whole of what the dashboard needs, so it is not worth a dependency.
 */
export const errorBarsPlugin: Plugin = {
  id: 'tunegateErrorBars',
  afterDatasetsDraw(chart: Chart, _args: unknown, opts: Partial<ErrorBarsOptions>) {
    const o = { ...FALLBACK, ...opts };
    const { ctx, chartArea, scales } = chart;
    const xScale = scales.x;
    const yScale = scales.y;
    if (xScale === undefined || yScale === undefined) return;
    ctx.save();
    ctx.beginPath();
    ctx.rect(chartArea.left, chartArea.top, chartArea.right - chartArea.left, chartArea.bottom - chartArea.top);
    ctx.clip();
    chart.data.datasets.forEach((dataset, di) => {
      const meta = chart.getDatasetMeta(di);
      if (meta.hidden === true || !chart.isDatasetVisible(di)) return;
      const colour = o.colour ?? (typeof dataset.borderColor === 'string' ? dataset.borderColor : o.label);
      const stroke = () => {
        if (o.halo !== undefined) {
          ctx.strokeStyle = o.halo;
          ctx.lineWidth = 4;
          ctx.stroke();
        }
        ctx.strokeStyle = colour;
        ctx.lineWidth = 1.5;
        ctx.stroke();
      };
      meta.data.forEach((el, i) => {
        const raw = dataset.data[i] as unknown as IntervalDatum | undefined;
        if (raw === undefined || raw === null || typeof raw !== 'object' || raw.y === null) return;
        const { x, y } = el.getProps(['x', 'y'], true) as { x: number; y: number };
        if (raw.yMin != null && raw.yMax != null) {
          const top = yScale.getPixelForValue(raw.yMax);
          const bottom = yScale.getPixelForValue(raw.yMin);
          ctx.beginPath();
          ctx.moveTo(x, top); ctx.lineTo(x, bottom);
          ctx.moveTo(x - CAP, top); ctx.lineTo(x + CAP, top);
          ctx.moveTo(x - CAP, bottom); ctx.lineTo(x + CAP, bottom);
          stroke();
        }
        if (raw.xMin != null && raw.xMax != null) {
          const left = xScale.getPixelForValue(raw.xMin);
          const right = xScale.getPixelForValue(raw.xMax);
          ctx.beginPath();
          ctx.moveTo(left, y); ctx.lineTo(right, y);
          ctx.moveTo(left, y - CAP); ctx.lineTo(left, y + CAP);
          ctx.moveTo(right, y - CAP); ctx.lineTo(right, y + CAP);
          stroke();
        }
      });
    });
    ctx.restore();
    // Labels after the clip is lifted, so one near the edge is not cut off.
    ctx.save();
    ctx.font = '600 12px system-ui, sans-serif';
    ctx.textBaseline = 'bottom';
    chart.data.datasets.forEach((dataset, di) => {
      if (!chart.isDatasetVisible(di)) return;
      chart.getDatasetMeta(di).data.forEach((el, i) => {
        const raw = dataset.data[i] as unknown as IntervalDatum | undefined;
        if (raw === undefined || raw === null || typeof raw !== 'object' || raw.label === undefined || raw.y === null) return;
        const { x, y } = el.getProps(['x', 'y'], true) as { x: number; y: number };
        const right = x + 8 + ctx.measureText(raw.label).width > chartArea.right;
        ctx.textAlign = right ? 'right' : 'left';
        const tx = right ? x - 8 : x + 8;
        // Above the point, unless that would run into the chart's top edge.
        const below = y - 22 < chartArea.top;
        ctx.textBaseline = below ? 'top' : 'bottom';
        const ty = below ? y + 6 : y - 6;
        ctx.lineWidth = 3;
        ctx.strokeStyle = o.labelHalo;
        ctx.strokeText(raw.label, tx, ty);
        ctx.fillStyle = o.label;
        ctx.fillText(raw.label, tx, ty);
      });
    });
    ctx.restore();
  },
};
