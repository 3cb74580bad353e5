// A process's output stream, as lines: what the logs and invocation records are made of.
// Bounded, so one runaway line (a binary dumped on stdout) cannot fill the appliance's memory.

/** What ends a line that was cut at `max` characters. */
export function lineCutMarker(max: number): string {
  return `… (line cut at ${max} characters)`;
}

/**
 * Splits a stream into lines (a trailing \r dropped); a line longer than `max` is cut there,
 * marked, and the rest of it skipped — also before its end arrives, so it is never held whole.
 */
export function lineSplitter(max: number, onLine: (line: string) => void) {
  let partial = '';
  let skipping = false;
  const emit = (line: string) => {
    const text = line.endsWith('\r') ? line.slice(0, -1) : line;
    onLine(text.length > max ? `${text.slice(0, max)}${lineCutMarker(max)}` : text);
  };
  return {
    push(chunk: string): void {
      let text = partial + chunk;
      for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n')) {
        if (!skipping) emit(text.slice(0, nl));
        skipping = false;
        text = text.slice(nl + 1);
      }
      if (!skipping && text.length > max) {
        emit(text);
        skipping = true;
      }
      partial = skipping ? '' : text;
    },
    end(): void {
      if (partial && !skipping) emit(partial);
      partial = '';
    },
  };
}
