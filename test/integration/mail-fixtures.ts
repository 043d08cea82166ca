import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/**
 * The receiving ends of alerts and applicant notices, shared by the alerts, letters, crash and
 * fault tests: an SMTP server that keeps every mail it accepts, and a webhook receiver that keeps
 * every request (and can answer 503 to the next N, as a portal that is down).
 */

export interface CaughtMail {
  to: string;
  subject: string;
  text: string;
  messageId: string;
  attachments: { filename: string; contentType: string; content: Buffer }[];
}

export interface MailCatcher {
  /** `smtp://127.0.0.1:<port>`: what SMTP_URL takes. */
  url: string;
  port: number;
  /** Every mail accepted, in arrival order. */
  mails: CaughtMail[];
  close(): Promise<void>;
}

export async function startMailCatcher(): Promise<MailCatcher> {
  const mails: CaughtMail[] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, _session, done) {
      simpleParser(stream)
        .then((m) => {
          mails.push({
            to: (Array.isArray(m.to) ? m.to[0] : m.to)?.text ?? '',
            subject: m.subject ?? '',
            text: m.text ?? '',
            messageId: m.messageId ?? '',
            attachments: m.attachments.map((a) => ({
              filename: a.filename ?? '',
              contentType: a.contentType,
              content: a.content,
            })),
          });
          done();
        })
        .catch(done);
    },
  });
  // A sender killed mid-session (the fault tests SIGKILL the alerts process) resets its connection.
  smtp.on('error', () => {});
  smtp.listen(0, '127.0.0.1');
  await once(smtp.server, 'listening');
  const port = (smtp.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    mails,
    close: () => new Promise<void>((r) => smtp.close(() => r())),
  };
}

export interface CaughtHook {
  path: string;
  headers: IncomingHttpHeaders;
  /** The `Motcua-Delivery-Id` header (alerts): a resend carries the same one. */
  deliveryId: string;
  body: string;
}

export interface WebhookCatcher {
  /** The receiver's URL with `path` (default `/hook`). */
  url(path?: string): string;
  /** Every request answered 204, in arrival order. */
  hooks: CaughtHook[];
  /** Answer the next `n` requests 503 (not kept in `hooks`). */
  failNext(n: number): void;
  /** Requests answered 503 so far. */
  readonly failures: number;
  close(): Promise<void>;
}

export async function startWebhookCatcher(opts: { failFirst?: number } = {}): Promise<WebhookCatcher> {
  const hooks: CaughtHook[] = [];
  let failuresLeft = opts.failFirst ?? 0;
  let failures = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      if (failuresLeft > 0) {
        failuresLeft -= 1;
        failures += 1;
        res.writeHead(503).end();
        return;
      }
      hooks.push({
        path: req.url ?? '',
        headers: req.headers,
        deliveryId: String(req.headers['motcua-delivery-id']),
        body,
      });
      res.writeHead(204).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    url: (path = '/hook') => `http://127.0.0.1:${port}${path}`,
    hooks,
    failNext(n) {
      failuresLeft = n;
    },
    get failures() {
      return failures;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
