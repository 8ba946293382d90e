import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Api } from '../services/api/handlers.ts';

/** How often idle sockets are pinged, so a page that vanished without closing is noticed. */
const PING_INTERVAL_MS = 30_000;

/** The WebSocket endpoint that pushes every Notice to the page as one JSON text message. */
export class NoticeSockets {
  private readonly server = new WebSocketServer({ noServer: true, maxPayload: 1024 });
  private readonly alive = new WeakSet<WebSocket>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly api: Api) {
    this.timer = setInterval(() => this.sweep(), PING_INTERVAL_MS);
    this.timer.unref();
  }

  /** Completes an upgrade the caller has already admitted. */
  accept(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.server.handleUpgrade(request, socket, head, (client) => {
      this.alive.add(client);
      client.on('pong', () => this.alive.add(client));
      // The page only listens: anything it sends is ignored.
      client.on('message', () => {});
      const unsubscribe = this.api.subscribe((notice) => {
        if (client.readyState === client.OPEN) client.send(JSON.stringify(notice));
      });
      client.on('close', unsubscribe);
      client.on('error', () => client.terminate());
    });
  }

  private sweep(): void {
    for (const client of this.server.clients) {
      if (!this.alive.has(client)) {
        client.terminate();
        continue;
      }
      this.alive.delete(client);
      client.ping();
    }
  }

  /** Closes every socket (the page reconnects to the next host it is pointed at). */
  close(): void {
    clearInterval(this.timer);
    for (const client of this.server.clients) client.close(1001, 'Airlock is shutting down');
    this.server.close();
  }
}
