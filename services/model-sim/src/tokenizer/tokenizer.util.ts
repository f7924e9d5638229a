import { hashString } from '../common/hash.util';
import { BOS_TOKEN, MAX_PIECE_CHARS, SPECIAL_TOKEN_IDS, VOCAB_SIZE } from './tokenizer.constants';

const SPECIAL = /<\|[a-z_0-9]+\|>/g;
// GPT/Llama-like pre-tokenization: a word keeps its leading space, digits group by three.
const PRE_TOKEN =
  /'(?:s|t|re|ve|m|ll|d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+/gu;

/** One id per piece; identical text gives identical ids in every process. */
export function pieceId(piece: string): number {
  return SPECIAL_TOKEN_IDS[piece] ?? hashString(piece) % VOCAB_SIZE;
}

/**
 * Splits text into token pieces whose concatenation is the text: special tokens whole, the
 * rest as pre-tokens cut into chunks of at most MAX_PIECE_CHARS characters.
 */
export function splitPieces(text: string): string[] {
  const pieces: string[] = [];
  let last = 0;
  for (const match of text.matchAll(SPECIAL)) {
    if (SPECIAL_TOKEN_IDS[match[0]] === undefined) continue;
    pushText(text.slice(last, match.index), pieces);
    pieces.push(match[0]);
    last = match.index + match[0].length;
  }
  pushText(text.slice(last), pieces);
  return pieces;
}

function pushText(text: string, out: string[]): void {
  if (text === '') return;
  for (const [word] of text.matchAll(PRE_TOKEN)) {
    if (word.length <= MAX_PIECE_CHARS) {
      out.push(word);
      continue;
    }
    // Code points, so a chunk never splits a surrogate pair.
    const chars = Array.from(word);
    for (let i = 0; i < chars.length; i += MAX_PIECE_CHARS) {
      out.push(chars.slice(i, i + MAX_PIECE_CHARS).join(''));
    }
  }
}

/** Token ids of `text`; with addBos a <|begin_of_text|> comes first, as vLLM adds for raw prompts. */
export function tokenize(text: string, { addBos = false } = {}): number[] {
  const ids = splitPieces(text).map(pieceId);
  if (addBos && !text.startsWith(BOS_TOKEN)) ids.unshift(pieceId(BOS_TOKEN));
  return ids;
}
