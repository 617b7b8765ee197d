// Reads a Prometheus text exposition (what a scrape returns) into samples, to assert on.
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export async function scrape(metricsUrl: URL): Promise<{ status: number; contentType: string | null; samples: Sample[]; text: string }> {
  const response = await fetch(new URL('/metrics', metricsUrl));
  const text = await response.text();
  return { status: response.status, contentType: response.headers.get('content-type'), samples: parseSamples(text), text };
}

export function parseSamples(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = value!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The value of the one sample with this name and (at least) these labels; undefined if none. */
export function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}
