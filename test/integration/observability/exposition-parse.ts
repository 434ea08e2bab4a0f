/**
 * A strict reader of the Prometheus text exposition format (0.0.4), for
 * tests: every line must be a HELP, a TYPE or a sample; every sample must
 * belong to a family announced by HELP and TYPE before it; label values
 * must be escaped correctly; histograms must have cumulative buckets ending
 * in le="+Inf" equal to _count, and _sum. Throws naming the bad line.
 * Shared by the workers and the e2e tests.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  samples: Sample[];
  types: Map<string, string>;
  helps: Map<string, string>;
  /** The value of the one sample with this name and exactly these labels (0 if absent). */
  value(name: string, labels?: Record<string, string>): number;
  /** Whether a sample with this name and these labels exists. */
  has(name: string, labels?: Record<string, string>): boolean;
  /** Sum over every sample of this name whose labels include `labels`. */
  sum(name: string, labels?: Record<string, string>): number;
}

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const sampleLine = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: (-?\d+))?$/;
const labelPair = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/;

function parseValue(text: string, line: string): number {
  if (text === "+Inf") return Infinity;
  if (text === "-Inf") return -Infinity;
  if (text === "NaN") return NaN;
  if (!/^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`bad value in: ${line}`);
  return Number(text);
}

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = text;
  while (rest.length > 0) {
    const match = labelPair.exec(rest);
    if (!match) throw new Error(`bad labels in: ${line}`);
    const [whole, name, raw] = match;
    if (name! in labels) throw new Error(`label ${name} twice in: ${line}`);
    labels[name!] = raw!.replace(/\\(.)/g, (_, ch: string) => (ch === "n" ? "\n" : ch));
    rest = rest.slice(whole.length);
  }
  return labels;
}

/** The family a sample belongs to: histograms own name_bucket, name_sum and name_count. */
function familyOf(name: string, types: Map<string, string>): string | undefined {
  if (types.has(name)) return name;
  for (const suffix of ["_bucket", "_sum", "_count"]) {
    if (name.endsWith(suffix)) {
      const base = name.slice(0, -suffix.length);
      if (types.get(base) === "histogram" || types.get(base) === "summary") return base;
    }
  }
  return undefined;
}

const sameLabels = (a: Record<string, string>, b: Record<string, string>) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(b).every(([k, v]) => a[k] === v);
const includesLabels = (a: Record<string, string>, b: Record<string, string>) => Object.entries(b).every(([k, v]) => a[k] === v);

export function parseExposition(text: string): Exposition {
  if (!text.endsWith("\n")) throw new Error("the exposition must end with a newline");
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const helps = new Map<string, string>();
  const lines = text.slice(0, -1).split("\n");
  for (const line of lines) {
    if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
      const [, kind, name, ...rest] = line.split(" ");
      if (!name || !metricName.test(name)) throw new Error(`bad metric name in: ${line}`);
      const target = kind === "HELP" ? helps : types;
      if (target.has(name)) throw new Error(`second ${kind} for ${name}`);
      if (kind === "TYPE" && !["counter", "gauge", "histogram", "summary", "untyped"].includes(rest.join(" "))) throw new Error(`bad type in: ${line}`);
      if (kind === "TYPE" && samples.some((sample) => familyOf(sample.name, types) === name)) throw new Error(`TYPE after samples: ${line}`);
      target.set(name, rest.join(" "));
      continue;
    }
    if (line.startsWith("#")) continue; // A plain comment.
    const match = sampleLine.exec(line);
    if (!match) throw new Error(`not a valid exposition line: ${JSON.stringify(line)}`);
    const [, name, labelText, valueText] = match;
    const family = familyOf(name!, types);
    if (!family) throw new Error(`sample before its TYPE: ${line}`);
    if (!helps.has(family)) throw new Error(`sample without HELP: ${line}`);
    samples.push({ name: name!, labels: parseLabels(labelText ?? "", line), value: parseValue(valueText!, line) });
  }
  checkHistograms(samples, types);
  const find = (name: string, labels: Record<string, string>) => samples.find((s) => s.name === name && sameLabels(s.labels, labels));
  return {
    samples,
    types,
    helps,
    value: (name, labels = {}) => find(name, labels)?.value ?? 0,
    has: (name, labels = {}) => find(name, labels) !== undefined,
    sum: (name, labels = {}) => samples.filter((s) => s.name === name && includesLabels(s.labels, labels)).reduce((total, s) => total + s.value, 0),
  };
}

function checkHistograms(samples: Sample[], types: Map<string, string>): void {
  for (const [family, type] of types) {
    if (type !== "histogram") continue;
    const series = new Map<string, { buckets: [number, number][]; sum?: number; count?: number }>();
    const keyOf = (labels: Record<string, string>) => JSON.stringify(Object.entries(labels).filter(([k]) => k !== "le").sort());
    for (const sample of samples) {
      const entry = () => {
        const key = keyOf(sample.labels);
        let found = series.get(key);
        if (!found) series.set(key, (found = { buckets: [] }));
        return found;
      };
      if (sample.name === `${family}_bucket`) {
        if (sample.labels.le === undefined) throw new Error(`${family}_bucket without le`);
        entry().buckets.push([parseValue(sample.labels.le, sample.labels.le), sample.value]);
      } else if (sample.name === `${family}_sum`) entry().sum = sample.value;
      else if (sample.name === `${family}_count`) entry().count = sample.value;
    }
    for (const [key, { buckets, sum, count }] of series) {
      const last = buckets.at(-1);
      if (!last || last[0] !== Infinity) throw new Error(`${family}${key}: no le="+Inf" bucket`);
      if (sum === undefined || count === undefined) throw new Error(`${family}${key}: _sum or _count missing`);
      if (last[1] !== count) throw new Error(`${family}${key}: +Inf bucket ${last[1]} != _count ${count}`);
      for (let i = 1; i < buckets.length; i++) {
        if (buckets[i]![0] <= buckets[i - 1]![0] || buckets[i]![1] < buckets[i - 1]![1]) throw new Error(`${family}${key}: buckets not cumulative`);
      }
    }
  }
}
