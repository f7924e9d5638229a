import { AnswerCapture, readAnswer, type ReadAnswer } from './answer-capture.util';

const chunk = (choices: unknown[], extra: object = {}) =>
  `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', choices, ...extra })}\n\n`;
const delta = (content: string) => ({ index: 0, delta: { content }, finish_reason: null });
const CHAT_STREAM =
  chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]) +
  chunk([delta('Hello')]) +
  chunk([delta(' world')]) +
  chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]) +
  chunk([], { usage: { prompt_tokens: 7, completion_tokens: 2, total_tokens: 9 } }) +
  'data: [DONE]\n\n';

function capture(kind: 'chat' | 'text', status: number, sse: boolean, parts: string[]) {
  const stored: ReadAnswer[] = [];
  const answer = new AnswerCapture(kind, (a) => stored.push(a), 4096);
  answer.begin(status, sse);
  for (const part of parts) answer.feed(Buffer.from(part));
  answer.end();
  return stored;
}

describe('answer capture', () => {
  it('reads a whole chat stream back, chunk boundaries anywhere', () => {
    const cut = [CHAT_STREAM.slice(0, 50), CHAT_STREAM.slice(50, 123), CHAT_STREAM.slice(123)];

    expect(capture('chat', 200, true, cut)).toEqual([
      {
        content: 'Hello world',
        finishReason: 'stop',
        usage: { promptTokens: 7, completionTokens: 2 },
      },
    ]);
  });

  it('reads a JSON chat answer and a text completion', () => {
    const chat = JSON.stringify({
      choices: [
        { index: 0, message: { role: 'assistant', content: 'Four.' }, finish_reason: 'stop' },
      ],
      usage: { prompt_tokens: 5, completion_tokens: 2 },
    });
    const text = JSON.stringify({ choices: [{ index: 0, text: ' there', finish_reason: 'stop' }] });

    expect(capture('chat', 200, false, [chat])).toEqual([
      { content: 'Four.', finishReason: 'stop', usage: { promptTokens: 5, completionTokens: 2 } },
    ]);
    expect(capture('text', 200, false, [text])).toEqual([
      { content: ' there', finishReason: 'stop' },
    ]);
  });

  it('keeps nothing that is not one whole answer', () => {
    const noDone = CHAT_STREAM.replace('data: [DONE]\n\n', '');
    const cutByLength = JSON.stringify({
      choices: [{ index: 0, message: { content: 'Four' }, finish_reason: 'length' }],
    });
    const error = JSON.stringify({ error: { message: 'boom' } });
    const toolCall = JSON.stringify({
      choices: [
        { index: 0, message: { content: null, tool_calls: [{ id: 't' }] }, finish_reason: 'stop' },
      ],
    });

    expect(capture('chat', 200, true, [noDone])).toEqual([]);
    expect(capture('chat', 200, false, [cutByLength])).toEqual([]);
    expect(capture('chat', 500, false, [error])).toEqual([]);
    expect(capture('chat', 200, false, [toolCall])).toEqual([]);
    expect(capture('chat', 200, false, ['{"choices": ['])).toEqual([]);
    expect(capture('chat', 200, true, [CHAT_STREAM, 'x'.repeat(4096)])).toEqual([]);
  });

  it('reads several choices as no answer', () => {
    const two = JSON.stringify({
      choices: [
        { index: 0, message: { content: 'a' }, finish_reason: 'stop' },
        { index: 1, message: { content: 'b' }, finish_reason: 'stop' },
      ],
    });
    expect(readAnswer('chat', false, two)).toBeUndefined();
  });
});
