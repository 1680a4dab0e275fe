/**
 * Where the importer reads text from: a string already in memory, or a Blob (a File in the browser, a
 * file-backed Blob in Node) read slice by slice, so a large file is never held as one string. Bytes
 * are decoded here: UTF-8, or UTF-16 recognised by its byte-order mark or by its pattern of NUL bytes.
 */

export type TextEncodingName = 'utf-8' | 'utf-16le' | 'utf-16be';

export interface TextSource {
  /** Size in units of `read` offsets: bytes of a Blob, UTF-16 code units of a string. */
  readonly size: number;
  /** Offset where the text starts (after a byte-order mark). */
  readonly start: number;
  readonly encoding: TextEncodingName;
  /** How the encoding was told, for the report ("byte-order mark", "NUL bytes between characters"); null for plain UTF-8. */
  readonly encodingEvidence: string | null;
  /** Text of [from, to), decoded on its own: it may begin or end inside a line. */
  read(from: number, to: number): Promise<string>;
  /** Units the text takes in this source. */
  unitsOf(text: string): number;
  /** The whole text from `start`, in order, in pieces of about `chunkUnits`, with the offset reached after each. */
  chunks(chunkUnits: number): AsyncGenerator<{ text: string; offset: number }>;
}

export function stringSource(text: string): TextSource {
  const start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  return {
    size: text.length,
    start,
    encoding: 'utf-8',
    encodingEvidence: null,
    read: async (from, to) => text.slice(Math.max(from, start), to),
    unitsOf: (part) => part.length,
    async *chunks(chunkUnits) {
      for (let at = start; at < text.length; at += chunkUnits) {
        const end = Math.min(text.length, at + chunkUnits);
        yield { text: text.slice(at, end), offset: end };
      }
    },
  };
}

const PROBE_BYTES = 4096;

export async function blobSource(blob: Blob): Promise<TextSource> {
  const probe = new Uint8Array(await blob.slice(0, PROBE_BYTES).arrayBuffer());
  const { encoding, start, evidence } = detectEncoding(probe);
  const wide = encoding !== 'utf-8';
  // UTF-16 code units are two bytes: reads start on a unit boundary.
  const align = (offset: number): number => (wide && (offset - start) % 2 !== 0 ? offset - 1 : offset);
  const encoder = wide ? null : new TextEncoder();
  return {
    size: blob.size,
    start,
    encoding,
    encodingEvidence: evidence,
    async read(from, to) {
      const bytes = await blob.slice(align(Math.max(from, start)), align(Math.min(to, blob.size))).arrayBuffer();
      return new TextDecoder(encoding, { ignoreBOM: true }).decode(bytes);
    },
    unitsOf: (text) => (encoder ? encoder.encode(text).length : 2 * text.length),
    async *chunks(chunkUnits) {
      // One decoder for the whole pass: a character split between two slices is completed by the next.
      const decoder = new TextDecoder(encoding, { ignoreBOM: true });
      const step = align(start + chunkUnits) - start;
      for (let at = start; at < blob.size; at += step) {
        const end = Math.min(blob.size, at + step);
        const bytes = await blob.slice(at, end).arrayBuffer();
        yield { text: decoder.decode(bytes, { stream: end < blob.size }), offset: end };
      }
    },
  };
}

/** Encoding from a byte-order mark, else from NUL bytes in every other position (UTF-16 of ASCII text), else UTF-8. */
export function detectEncoding(probe: Uint8Array): { encoding: TextEncodingName; start: number; evidence: string | null } {
  if (probe[0] === 0xef && probe[1] === 0xbb && probe[2] === 0xbf) return { encoding: 'utf-8', start: 3, evidence: null };
  if (probe[0] === 0xff && probe[1] === 0xfe) return { encoding: 'utf-16le', start: 2, evidence: 'byte-order mark' };
  if (probe[0] === 0xfe && probe[1] === 0xff) return { encoding: 'utf-16be', start: 2, evidence: 'byte-order mark' };
  const pairs = probe.length >> 1;
  if (pairs >= 4) {
    let evenNul = 0;
    let oddNul = 0;
    for (let i = 0; i + 1 < probe.length; i += 2) {
      if (probe[i] === 0) evenNul++;
      if (probe[i + 1] === 0) oddNul++;
    }
    const evidence = 'NUL bytes between its characters, no byte-order mark';
    if (oddNul >= 0.9 * pairs && evenNul <= 0.05 * pairs) return { encoding: 'utf-16le', start: 0, evidence };
    if (evenNul >= 0.9 * pairs && oddNul <= 0.05 * pairs) return { encoding: 'utf-16be', start: 0, evidence };
  }
  return { encoding: 'utf-8', start: 0, evidence: null };
}
