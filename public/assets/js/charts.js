// @ts-check
/**
 * Time-series charts drawn with uPlot (vendored from npm into
 * /vendor/uplot/, so the console works on a box with no internet). Pages load
 * /vendor/uplot/uPlot.iife.min.js and /vendor/uplot/uPlot.min.css before
 * their own modules. uPlot puts series labels into the DOM as text, so
 * usernames and model names stay inert.
 */

const palette = ["#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#4b5563"];

/**
 * Draws (or redraws) a line chart into `container`, replacing what was there.
 * @param {HTMLElement} container
 * @param {{ title: string, times: number[], series: { label: string, values: (number | null)[] }[], height?: number }} spec
 *   times in seconds since the epoch; one value per time in each series
 * @returns {unknown} the uPlot instance
 */
export function lineChart(container, spec) {
  /** @type {any} */
  const uPlot = /** @type {any} */ (globalThis).uPlot;
  if (!uPlot) throw new Error("uPlot is not loaded: include /vendor/uplot/uPlot.iife.min.js");
  container.replaceChildren();
  const width = Math.max(320, container.clientWidth || 640);
  const options = {
    title: spec.title,
    width,
    height: spec.height ?? 220,
    series: [
      {},
      ...spec.series.map((s, i) => ({ label: s.label, stroke: palette[i % palette.length], width: 2, points: { show: spec.times.length < 60 } })),
    ],
    axes: [{}, { size: 60 }],
  };
  const data = [spec.times, ...spec.series.map((s) => s.values)];
  return new uPlot(options, data, container);
}

/**
 * Converts ISO bucket starts to the seconds uPlot wants.
 * @param {string[]} isoTimes
 */
export function toSeconds(isoTimes) {
  return isoTimes.map((t) => Math.floor(new Date(t).getTime() / 1000));
}
