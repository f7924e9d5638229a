import { SseScanner } from './sse-scanner.util';

const chunk = (content: string | undefined, extra = ''): string =>
  `data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{${
    content === undefined ? '' : `"content":${JSON.stringify(content)}`
  }}${extra}}]}\n\n`;

const STREAM =
  `data: {"id":"c1","choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}\n\n` +
  chunk('Hel') +
  chunk('lo, ') +
  chunk('wörld ✓') +
  chunk('say data: [DONE] "quoted"') +
  chunk(undefined, ',"finish_reason":"length"') +
  `data: {"id":"c1","choices":[],"usage":{"prompt_tokens":13,"completion_tokens":1234,"total_tokens":1247}}\n\n` +
  'data: [DONE]\n\n';

function scan(parts: Buffer[]): { scanner: SseScanner; perChunk: number[] } {
  const scanner = new SseScanner();
  const perChunk = parts.map((part) => scanner.feed(part));
  return { scanner, perChunk };
}

describe('SseScanner', () => {
  it('counts events carrying text (not the role-only first delta), sees [DONE] and usage', () => {
    const { scanner } = scan([Buffer.from(STREAM)]);

    expect(scanner.contentEvents).toBe(4);
    expect(scanner.done).toBe(true);
    expect(scanner.completionTokens).toBe(1234);
    expect(scanner.outputTokens()).toBe(1234);
  });

  it('finds the same wherever the stream is cut into chunks', () => {
    const bytes = Buffer.from(STREAM);
    for (let cut = 1; cut < bytes.length; cut++) {
      const { scanner, perChunk } = scan([bytes.subarray(0, cut), bytes.subarray(cut)]);
      expect({ cut, events: scanner.contentEvents, sum: perChunk[0]! + perChunk[1]! }).toEqual({
        cut,
        events: 4,
        sum: 4,
      });
      expect({ cut, done: scanner.done, tokens: scanner.completionTokens }).toEqual({
        cut,
        done: true,
        tokens: 1234,
      });
    }
  });

  it('reports each content event in the chunk where it completes, even byte by byte', () => {
    const bytes = Buffer.from(STREAM);
    const { scanner, perChunk } = scan([...bytes].map((b) => Buffer.from([b])));

    expect(perChunk.reduce((a, b) => a + b, 0)).toBe(4);
    expect(scanner.done).toBe(true);
    expect(scanner.completionTokens).toBe(1234);
  });

  it('does not take [DONE] inside generated text for the end of the stream', () => {
    const { scanner } = scan([Buffer.from(chunk('data: [DONE]') + chunk('\n\ndata: [DONE]'))]);
    expect(scanner.done).toBe(false);
    expect(scanner.contentEvents).toBe(2);
  });

  it('counts completion text events and falls back to them without usage', () => {
    const completion = (text: string) =>
      `data: {"id":"x","object":"text_completion","choices":[{"index":0,"text":${JSON.stringify(text)}}]}\n\n`;
    const { scanner } = scan([
      Buffer.from(completion('a') + completion('') + completion('b')),
      Buffer.from(completion('c')),
    ]);

    expect(scanner.contentEvents).toBe(3);
    expect(scanner.completionTokens).toBeUndefined();
    expect(scanner.outputTokens()).toBe(3);
    expect(scanner.done).toBe(false);
  });

  it('reads usage from a plain JSON answer without counting its text as events', () => {
    const scanner = new SseScanner(false);
    scanner.feed(Buffer.from('{"choices":[{"message":{"content":"hi"}}],"usage":{"completion_'));
    scanner.feed(Buffer.from('tokens": 7,"total_tokens":9}}'));

    expect(scanner.contentEvents).toBe(0);
    expect(scanner.completionTokens).toBe(7);
  });
});
