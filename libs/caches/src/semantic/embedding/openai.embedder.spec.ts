import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SEMANTIC_CACHE_ERRORS } from '../semantic-cache.constants';
import { OpenAiEmbedder } from './openai.embedder';
import { cosine } from './vector.util';

interface Received {
  url: string;
  authorization: string | undefined;
  body: { model?: string; input?: string };
}

/** A loopback /v1/embeddings: answers with whatever the current test sets. */
describe('OpenAiEmbedder against a loopback /v1/embeddings', () => {
  let server: Server;
  let baseUrl: string;
  let received: Received[];
  let answer: (res: ServerResponse) => void;

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let raw = '';
      req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
      req.on('end', () => {
        received.push({
          url: req.url ?? '',
          authorization: req.headers.authorization,
          body: JSON.parse(raw) as Received['body'],
        });
        answer(res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  beforeEach(() => {
    received = [];
    answer = (res) => json(res, 200, { object: 'list', data: [{ index: 0, embedding: [3, 4] }] });
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('posts the model and text to /v1/embeddings and returns a unit vector', async () => {
    const embedder = new OpenAiEmbedder({
      baseUrl: `${baseUrl}/v1/`,
      model: 'bge-small',
      apiKey: 'k1',
    });

    const vector = await embedder.embed('hello there');

    expect(Array.from(vector)).toEqual([expect.closeTo(0.6, 6), expect.closeTo(0.8, 6)]);
    expect(cosine(vector, vector)).toBeCloseTo(1, 6);
    expect(received).toEqual([
      {
        url: '/v1/embeddings',
        authorization: 'Bearer k1',
        body: expect.objectContaining({ model: 'bge-small', input: 'hello there' }) as object,
      },
    ]);
    expect(embedder.id).toBe('openai:bge-small');
  });

  it('names the status and body when the server refuses', async () => {
    answer = (res) => json(res, 503, { error: 'model loading' });
    const embedder = new OpenAiEmbedder({ baseUrl, model: 'm' });

    await expect(embedder.embed('x')).rejects.toThrow(
      SEMANTIC_CACHE_ERRORS.embedderStatus(503, '{"error":"model loading"}'),
    );
  });

  it('rejects an answer without an embedding', async () => {
    answer = (res) => json(res, 200, { data: [] });
    const embedder = new OpenAiEmbedder({ baseUrl, model: 'm' });

    await expect(embedder.embed('x')).rejects.toThrow(SEMANTIC_CACHE_ERRORS.embedderBadResponse);
  });

  it('gives up after its timeout when the server never answers', async () => {
    answer = () => undefined; // hold the request open
    const embedder = new OpenAiEmbedder({ baseUrl, model: 'm', timeoutMs: 200 });
    const started = Date.now();

    await expect(embedder.embed('x')).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
