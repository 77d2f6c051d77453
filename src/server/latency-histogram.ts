// A Prometheus histogram with one label, registered in a prom-client Registry and exposed
// exactly as prom-client's own Histogram would be (`_bucket{le}` cumulative, `_sum`,
// `_count`). It exists because prom-client re-validates and re-hashes the label set on every
// observation, even through a labels() child; here a series is looked up once and an
// observation is a bucket search and three additions, on the path of every decision.

export interface HistogramSeries {
	observe(value: number): void;
}

class Series implements HistogramSeries {
	/** Per-bucket (not cumulative) counts; the last slot is +Inf. */
	readonly counts: Float64Array;
	sum = 0;
	count = 0;

	constructor(private readonly bounds: readonly number[]) {
		this.counts = new Float64Array(bounds.length + 1);
	}

	observe(value: number): void {
		if (!Number.isFinite(value)) return;
		const b = this.bounds;
		let i = 0;
		while (i < b.length && value > b[i]) i++;
		this.counts[i]++;
		this.sum += value;
		this.count++;
	}
}

interface MetricValue {
	labels: Record<string, string | number>;
	value: number;
	metricName: string;
}

export class LatencyHistogram {
	readonly type = "histogram";
	readonly aggregator = "sum";
	private readonly byLabel = new Map<string, Series>();

	constructor(
		readonly name: string,
		readonly help: string,
		private readonly labelName: string,
		private readonly bounds: readonly number[],
	) {}

	/** The series for one label value, made on first use. */
	series(labelValue: string): HistogramSeries {
		let s = this.byLabel.get(labelValue);
		if (s === undefined) {
			s = new Series(this.bounds);
			this.byLabel.set(labelValue, s);
		}
		return s;
	}

	/** prom-client's metric shape, read by Registry.metrics() and getMetricsAsJSON(). */
	get(): { name: string; help: string; type: string; aggregator: string; values: MetricValue[] } {
		const values: MetricValue[] = [];
		for (const [labelValue, s] of this.byLabel) {
			let cumulative = 0;
			for (let i = 0; i <= this.bounds.length; i++) {
				cumulative += s.counts[i];
				values.push({
					labels: {
						le: i < this.bounds.length ? this.bounds[i] : "+Inf",
						[this.labelName]: labelValue,
					},
					value: cumulative,
					metricName: `${this.name}_bucket`,
				});
			}
			values.push({
				labels: { [this.labelName]: labelValue },
				value: s.sum,
				metricName: `${this.name}_sum`,
			});
			values.push({
				labels: { [this.labelName]: labelValue },
				value: s.count,
				metricName: `${this.name}_count`,
			});
		}
		return {
			name: this.name,
			help: this.help,
			type: this.type,
			aggregator: this.aggregator,
			values,
		};
	}

	reset(): void {
		this.byLabel.clear();
	}
}
