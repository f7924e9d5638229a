import { createHash } from 'node:crypto';

export const LLAMA3_TEMPLATE =
  '{% for m in messages %}<|start_header_id|>{{ m.role }}<|end_header_id|>\n\n{{ m.content }}<|eot_id|>{% endfor %}';

/** A valid deploy request as REST and NATS clients send it (template content inline). */
export function deployRequest(
  service: string,
  version = 'v2',
  overrides: Record<string, unknown> = {},
) {
  return {
    service,
    release: {
      version,
      model: { id: 'meta-llama/Llama-3.1-8B-Instruct', revision: '5206a32' },
      template: {
        id: 'llama3-chat',
        content: LLAMA3_TEMPLATE,
        sha256: createHash('sha256').update(LLAMA3_TEMPLATE).digest('hex'),
      },
      engine: { name: 'vllm', version: '0.11.0', args: ['--max-model-len', '8192'] },
    },
    pool: {
      driver: 'process',
      replicas: 2,
      command:
        'greenlight-sim --port {port} --model {model} --version {version} --chat-template {template}',
    },
    strategy: { steps: [{ weight: 1, bake: '10s' }, { weight: 25, bake: '10s' }, { weight: 100 }] },
    ...overrides,
  };
}
