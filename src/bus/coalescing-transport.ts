// The NATS connection's socket, with writes gathered per turn of the event loop.
//
// nats.js writes its outbound buffer once per microtask checkpoint, and under load every
// HTTP request, every worker reply and every delivered batch ends its own checkpoint: one
// write syscall per event per stage. That was 28% of the appliance's CPU in the end-to-end
// benchmark (bench/RESULTS.md). Here frames sent during one turn are written together once
// that turn's I/O callbacks have run (setImmediate): the same bytes in the same order, in
// far fewer syscalls, and at most one loop turn later.

import { setTransportFactory } from '@nats-io/nats-core/internal';
import { NodeTransport, nodeResolveHost } from '@nats-io/transport-node/lib/node_transport.js';

class CoalescingTransport extends NodeTransport {
  #frames: Uint8Array[] = [];
  #bytes = 0;
  #scheduled = false;

  override send(frame: Uint8Array): void {
    if (frame.length === 0) return;
    this.#frames.push(frame);
    this.#bytes += frame.length;
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.#flush());
  }

  override close(err?: Error): Promise<void> {
    this.#flush(); // what was sent before close() goes out before the socket ends
    return super.close(err);
  }

  #flush(): void {
    this.#scheduled = false;
    if (this.#frames.length === 0) return;
    const frames = this.#frames;
    const bytes = this.#bytes;
    this.#frames = [];
    this.#bytes = 0;
    super.send(frames.length === 1 ? frames[0]! : Buffer.concat(frames, bytes));
  }
}

/**
 * Makes the next NATS connections use the coalescing transport. nats.js reads the factory
 * at every (re)connect; `connect` from @nats-io/transport-node resets it to its own.
 */
export function useCoalescingTransport(): void {
  setTransportFactory({ factory: () => new CoalescingTransport(), dnsResolveFn: nodeResolveHost });
}
