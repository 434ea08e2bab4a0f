/**
 * A small Prometheus text exposition (format 0.0.4) writer: counters, gauges
 * and histograms with labels, and the rendering rules of the format (HELP and
 * TYPE once per family, label values escaped, `le="+Inf"` bucket, _sum and
 * _count). Written here because prom-client leans on Node's cluster, v8 and
 * perf_hooks modules, which workerd does not provide as it expects.
 *
 * Cardinality is bounded per family: once a family holds `maxSeries` label
 * sets, a new set is folded into the family's overflow series, whose
 * capped labels read "_other". A client cannot grow memory without bound by
 * inventing model names.
 */

export type Labels = Record<string, string>;

export const overflowValue = "_other";
/** Longest label value kept; longer ones are cut (a model name is far shorter). */
const maxLabelLength = 128;

/** Escapes a label value: backslash, double quote and newline, as the format requires. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** Escapes HELP text: backslash and newline. */
export function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

/** A sample value as the format writes it (+Inf, -Inf, NaN, or a plain number). */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

function renderLabels(names: readonly string[], values: readonly string[], extra?: [string, string]): string {
  const pairs = names.map((name, i) => `${name}="${escapeLabelValue(values[i] ?? "")}"`);
  if (extra) pairs.push(`${extra[0]}="${escapeLabelValue(extra[1])}"`);
  return pairs.length === 0 ? "" : `{${pairs.join(",")}}`;
}

interface FamilyOptions {
  name: string;
  help: string;
  labelNames?: readonly string[];
  /** At most this many label sets; more fold into the overflow series. */
  maxSeries?: number;
  /** Labels set to "_other" in the overflow series (by default all of them). */
  cappedLabels?: readonly string[];
}

abstract class Family<Series> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  protected readonly series = new Map<string, { values: string[]; data: Series }>();
  private readonly maxSeries: number;
  private readonly cappedLabels: ReadonlySet<string>;
  protected abstract readonly type: "counter" | "gauge" | "histogram";

  constructor(options: FamilyOptions) {
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(options.name)) throw new Error(`bad metric name ${options.name}`);
    this.name = options.name;
    this.help = options.help;
    this.labelNames = options.labelNames ?? [];
    this.maxSeries = options.maxSeries ?? 1000;
    this.cappedLabels = new Set(options.cappedLabels ?? this.labelNames);
  }

  protected abstract fresh(): Series;

  /** The series for these labels, created on first use (or the overflow series past the cap). */
  protected seriesFor(labels: Labels): Series {
    let values = this.labelNames.map((name) => (labels[name] ?? "").slice(0, maxLabelLength));
    let key = values.join("\u0000");
    if (!this.series.has(key) && this.series.size >= this.maxSeries) {
      values = this.labelNames.map((name, i) => (this.cappedLabels.has(name) ? overflowValue : values[i]!));
      key = values.join("\u0000");
    }
    let entry = this.series.get(key);
    if (!entry) this.series.set(key, (entry = { values, data: this.fresh() }));
    return entry.data;
  }

  get size(): number {
    return this.series.size;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${this.type}`];
    for (const { values, data } of this.series.values()) lines.push(...this.samples(values, data));
    return lines.join("\n");
  }

  protected abstract samples(values: string[], data: Series): string[];
}

export class Counter extends Family<{ value: number }> {
  protected readonly type = "counter";
  protected fresh() {
    return { value: 0 };
  }
  inc(labels: Labels = {}, by = 1): void {
    if (!(by >= 0) || !Number.isFinite(by)) return; // A counter never goes down.
    this.seriesFor(labels).value += by;
  }
  protected samples(values: string[], data: { value: number }): string[] {
    return [`${this.name}${renderLabels(this.labelNames, values)} ${formatValue(data.value)}`];
  }
}

export class Gauge extends Family<{ value: number }> {
  protected readonly type = "gauge";
  protected fresh() {
    return { value: 0 };
  }
  set(labels: Labels, value: number): void {
    this.seriesFor(labels).value = value;
  }
  protected samples(values: string[], data: { value: number }): string[] {
    return [`${this.name}${renderLabels(this.labelNames, values)} ${formatValue(data.value)}`];
  }
}

interface HistogramSeries {
  /** Cumulative counts: buckets[i] counts observations <= bounds[i]. */
  buckets: number[];
  sum: number;
  count: number;
}

export class Histogram extends Family<HistogramSeries> {
  protected readonly type = "histogram";
  private readonly bounds: readonly number[];

  constructor(options: FamilyOptions & { buckets: readonly number[] }) {
    super(options);
    if (options.labelNames?.includes("le")) throw new Error("a histogram cannot have a label named le");
    const sorted = [...options.buckets].sort((a, b) => a - b);
    if (sorted.some((bound, i) => !Number.isFinite(bound) || (i > 0 && bound === sorted[i - 1]))) {
      throw new Error(`bad buckets for ${options.name}`);
    }
    this.bounds = sorted;
  }

  protected fresh(): HistogramSeries {
    return { buckets: this.bounds.map(() => 0), sum: 0, count: 0 };
  }

  observe(labels: Labels, value: number): void {
    if (!Number.isFinite(value)) return;
    const series = this.seriesFor(labels);
    for (let i = 0; i < this.bounds.length; i++) if (value <= this.bounds[i]!) series.buckets[i]! += 1;
    series.sum += value;
    series.count += 1;
  }

  protected samples(values: string[], data: HistogramSeries): string[] {
    const lines = this.bounds.map(
      (bound, i) => `${this.name}_bucket${renderLabels(this.labelNames, values, ["le", formatValue(bound)])} ${data.buckets[i]}`,
    );
    lines.push(`${this.name}_bucket${renderLabels(this.labelNames, values, ["le", "+Inf"])} ${data.count}`);
    lines.push(`${this.name}_sum${renderLabels(this.labelNames, values)} ${formatValue(data.sum)}`);
    lines.push(`${this.name}_count${renderLabels(this.labelNames, values)} ${data.count}`);
    return lines;
  }
}

/** One family rendered from values read at scrape time (a gauge taken from a Durable Object, say). */
export function renderSnapshot(
  name: string,
  type: "gauge" | "counter",
  help: string,
  samples: readonly { labels?: Labels; value: number }[],
): string {
  const lines = [`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`];
  for (const sample of samples) {
    const labels = sample.labels ?? {};
    const names = Object.keys(labels);
    lines.push(`${name}${renderLabels(names, names.map((label) => labels[label]!))} ${formatValue(sample.value)}`);
  }
  return lines.join("\n");
}

export interface Renderable {
  render(): string;
}

/** The whole exposition: families separated by newlines, ending with one. */
export function exposition(parts: readonly (Renderable | string)[]): string {
  return `${parts.map((part) => (typeof part === "string" ? part : part.render())).join("\n")}\n`;
}
