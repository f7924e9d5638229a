import { z } from 'zod';
import { parseManifestText, safeParse, validationMessage } from '@greenlight/contracts';
import { seededUnit } from '../common/hash.util';
import { splitPieces } from '../tokenizer/tokenizer.util';
import { generatePieces } from './text-generator.util';

const EntryListSchema = z.array(
  z.strictObject({ prompt: z.string().min(1), answer: z.string().min(1) }),
);
const EntryMapSchema = z.record(z.string().min(1), z.string().min(1));

export const KNOWLEDGE_FILE_MESSAGE =
  'must be a list of {prompt, answer} or a map of prompt → answer';

export interface KnowledgeEntry {
  prompt: string;
  answer: string;
}

export interface KnowledgeAnswer {
  text: string;
  /** False when the quality draw gave this prompt a wrong answer. */
  correct: boolean;
}

/** Prompts match whatever their case and spacing: "  What is 2+2? " = "what is 2+2?". */
export function normalizePrompt(prompt: string): string {
  return prompt.trim().toLowerCase().replace(/\s+/g, ' ');
}

/** Parses a knowledge file (JSON or YAML); throws naming the first bad entry. */
export function parseKnowledge(text: string): KnowledgeEntry[] {
  const data = parseManifestText(text);
  if (Array.isArray(data)) {
    const list = safeParse(EntryListSchema, data);
    if (!list.ok) throw new Error(validationMessage(list.issues));
    return list.value;
  }
  const map = safeParse(EntryMapSchema, data);
  if (!map.ok) throw new Error(`${KNOWLEDGE_FILE_MESSAGE} (${validationMessage(map.issues)})`);
  return Object.entries(map.value).map(([prompt, answer]) => ({ prompt, answer }));
}

/**
 * The answers a release knows. Whether a known prompt is answered right is a seeded draw on
 * (seed, version, prompt) against `quality`: the same release gives the same answers every run.
 */
export class KnowledgeBase {
  private readonly answers = new Map<string, string>();

  constructor(
    entries: readonly KnowledgeEntry[],
    private readonly seed: number,
    private readonly version: string,
  ) {
    for (const { prompt, answer } of entries) this.answers.set(normalizePrompt(prompt), answer);
  }

  get size(): number {
    return this.answers.size;
  }

  answer(prompt: string, quality: number): KnowledgeAnswer | undefined {
    const key = normalizePrompt(prompt);
    const right = this.answers.get(key);
    if (right === undefined) return undefined;
    if (seededUnit(this.seed, this.version, 'quality', key) < quality) {
      return { text: right, correct: true };
    }
    return { text: this.wrongAnswer(key, right), correct: false };
  }

  /** Another known answer when there is one (plausible, but wrong), else filler of similar length. */
  private wrongAnswer(key: string, right: string): string {
    const others = [...new Set(this.answers.values())].filter((answer) => answer !== right);
    if (others.length > 0) {
      const pick = Math.floor(seededUnit(this.seed, this.version, 'wrong', key) * others.length);
      return others[pick] ?? others[0] ?? '';
    }
    const length = Math.max(3, splitPieces(right).length);
    return generatePieces(`${this.seed}|${this.version}|wrong|${key}`, length).join('').trim();
  }
}
