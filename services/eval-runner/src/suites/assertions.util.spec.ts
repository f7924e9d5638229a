import { compileAssertions, failedAssertions } from './assertions.util';
import type { Assertion } from './suite.schema';

function failures(text: string, assertions: Assertion[], latencyMs = 100): string[] {
  return failedAssertions({ text, latencyMs }, compileAssertions(assertions));
}

describe('assertions on an answer', () => {
  it('equals compares the whole answer, surrounding whitespace ignored', () => {
    expect(failures(' Paris\n', [{ type: 'equals', value: 'Paris' }])).toEqual([]);
    expect(failures('Paris, France', [{ type: 'equals', value: 'Paris' }])).toEqual([
      'expected "Paris", got "Paris, France"',
    ]);
  });

  it('contains is case-sensitive, icontains is not, not-contains is the reverse', () => {
    expect(failures('Jane Austen', [{ type: 'contains', value: 'Austen' }])).toEqual([]);
    expect(failures('jane austen', [{ type: 'contains', value: 'Austen' }])).toEqual([
      '"jane austen" does not contain "Austen"',
    ]);
    expect(failures('JUPITER', [{ type: 'icontains', value: 'jupiter' }])).toEqual([]);
    expect(failures('Saturn', [{ type: 'icontains', value: 'jupiter' }])).toEqual([
      '"Saturn" does not contain "jupiter" (any case)',
    ]);
    expect(failures('hi<|eot_id|>', [{ type: 'not-contains', value: '<|' }])).toEqual([
      '"hi<|eot_id|>" contains "<|"',
    ]);
  });

  it('regex honours its flags', () => {
    expect(failures('Yes, it is.', [{ type: 'regex', value: '^yes\\b', flags: 'i' }])).toEqual([]);
    expect(failures('No.', [{ type: 'regex', value: '^yes\\b', flags: 'i' }])).toEqual([
      '"No." does not match /^yes\\b/i',
    ]);
  });

  it('json-valid and json-schema parse the answer; the schema failure names the field', () => {
    const schema: Assertion = {
      type: 'json-schema',
      value: {
        type: 'object',
        required: ['age'],
        properties: { age: { type: 'integer', minimum: 0 } },
      },
    };
    expect(failures('{"age": 30}', [{ type: 'json-valid' }, schema])).toEqual([]);
    expect(failures('{age: 30}', [{ type: 'json-valid' }, schema])).toEqual([
      '"{age: 30}" is not valid JSON',
      '"{age: 30}" is not valid JSON',
    ]);
    expect(failures('{"age": -1}', [schema])).toEqual([
      'JSON does not match the schema: /age must be >= 0',
    ]);
    expect(failures('[]', [schema])).toEqual([
      'JSON does not match the schema: (root) must be object',
    ]);
  });

  it('max-latency-ms fails a slow answer, saying how slow', () => {
    expect(failures('ok', [{ type: 'max-latency-ms', value: 500 }], 499.6)).toEqual([]);
    expect(failures('ok', [{ type: 'max-latency-ms', value: 500 }], 1234.4)).toEqual([
      'answered in 1234 ms, more than 500 ms',
    ]);
  });

  it('reports every broken assertion and clips long answers', () => {
    const long = 'x'.repeat(200);
    const result = failures(long, [
      { type: 'equals', value: 'y' },
      { type: 'contains', value: 'z' },
    ]);

    expect(result).toHaveLength(2);
    expect(result[0]).toBe(`expected "y", got "${'x'.repeat(79)}…"`);
  });
});
