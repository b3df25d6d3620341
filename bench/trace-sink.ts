/**
 * A discarding OTLP/HTTP trace collector, in its own process (forked by the harness for systems
 * with tracing on): answers every POST to /v1/traces with an empty ExportTraceServiceResponse and
 * counts requests and bytes, so the harness can tell that spans were exported without parsing them.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from './lib/rpc.js';

export interface TraceSinkStats {
  requests: number;
  bytes: number;
  /** Requests to another path or method (a misconfigured exporter). */
  other: number;
}

let stats: TraceSinkStats = { requests: 0, bytes: 0, other: 0 };

const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  const traces = req.method === 'POST' && req.url === '/v1/traces';
  let bytes = 0;
  req.on('data', (chunk: Buffer) => (bytes += chunk.length));
  req.on('end', () => {
    if (traces) {
      stats.requests += 1;
      stats.bytes += bytes;
    } else stats.other += 1;
    res.writeHead(traces ? 200 : 404, { 'content-type': 'application/json' });
    res.end('{}');
  });
});
server.headersTimeout = 61_000;

serve(async (req) => {
  switch (req.cmd) {
    case 'listen':
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return { port: (server.address() as AddressInfo).port };
    case 'stats': {
      const out = stats;
      if (req.reset) stats = { requests: 0, bytes: 0, other: 0 };
      return out;
    }
    case 'stop':
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      setImmediate(() => process.exit(0));
      return {};
    default:
      throw new Error(`unknown command ${req.cmd}`);
  }
});
