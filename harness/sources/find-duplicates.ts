import { createHash } from 'node:crypto';

/**
 * A duplicate detector: runs of at least `minLines` equal lines (spacing
 * ignored, blank lines skipped) that appear in more than one place. Each run
 * is grown to the longest stretch all its places share, and a line belongs to
 * one duplicate at most, so one copied function is one finding, not many.
 */

export interface SourceFile {
  path: string;
  text: string;
}

export interface Place {
  path: string;
  /** 1-based, inclusive. */
  startLine: number;
  endLine: number;
}

export interface Duplicate {
  /** Hash of the shared lines: the same code copied to the same places is the same subject. */
  key: string;
  /** Non-blank lines each place holds. */
  lines: number;
  places: Place[];
}

interface Line {
  text: string;
  number: number;
}

function meaningfulLines(text: string): Line[] {
  const lines: Line[] = [];
  text.split('\n').forEach((raw, index) => {
    const normalized = raw.trim().replace(/\s+/g, ' ');
    if (normalized.length > 0) lines.push({ text: normalized, number: index + 1 });
  });
  return lines;
}

interface Position {
  file: number;
  index: number;
}

export function findDuplicates(files: readonly SourceFile[], minLines: number): Duplicate[] {
  const lines = files.map((file) => meaningfulLines(file.text));
  const windowKey = (p: Position) => lines[p.file]!.slice(p.index, p.index + minLines).map((l) => l.text).join('\n');
  const byWindow = new Map<string, Position[]>();
  lines.forEach((fileLines, file) => {
    for (let index = 0; index + minLines <= fileLines.length; index += 1) {
      const key = windowKey({ file, index });
      if (!substantial(key, minLines)) continue;
      const positions = byWindow.get(key) ?? [];
      positions.push({ file, index });
      byWindow.set(key, positions);
    }
  });
  const covered = lines.map((fileLines) => new Array<boolean>(fileLines.length).fill(false));
  const isCovered = (p: Position, length: number) => covered[p.file]!.slice(p.index, p.index + length).some(Boolean);
  const found: Duplicate[] = [];
  lines.forEach((fileLines, file) => {
    for (let index = 0; index + minLines <= fileLines.length; index += 1) {
      const start = { file, index };
      if (isCovered(start, 1)) continue;
      const places = nonOverlapping(byWindow.get(windowKey(start)) ?? [], minLines).filter((p) => !isCovered(p, minLines));
      if (places.length < 2) continue;
      const length = sharedLength(lines, places, minLines);
      for (const p of places) covered[p.file]!.fill(true, p.index, p.index + length);
      found.push({
        key: createHash('sha256').update(fileLines.slice(index, index + length).map((l) => l.text).join('\n')).digest('hex').slice(0, 16),
        lines: length,
        places: places.map((p) => ({ path: files[p.file]!.path, startLine: lines[p.file]![p.index]!.number, endLine: lines[p.file]![p.index + length - 1]!.number })),
      });
    }
  });
  return found.sort((a, b) => b.lines * b.places.length - a.lines * a.places.length);
}

/** Closing brackets and the like repeat everywhere; a window must hold some words to be a finding. */
function substantial(window: string, minLines: number): boolean {
  return (window.match(/\w/g)?.length ?? 0) >= minLines * 4;
}

/** Occurrences in one file that overlap an earlier one are the same code seen twice, not a copy. */
function nonOverlapping(positions: readonly Position[], minLines: number): Position[] {
  const kept: Position[] = [];
  for (const p of positions) {
    if (!kept.some((k) => k.file === p.file && p.index < k.index + minLines)) kept.push(p);
  }
  return kept;
}

/** How far past the first `minLines` every place goes on with the same lines (never into another place). */
function sharedLength(lines: readonly Line[][], places: readonly Position[], minLines: number): number {
  let length = minLines;
  for (;;) {
    const next = places.map((p) => lines[p.file]![p.index + length]?.text);
    const [first] = next;
    const runsIntoAnother = places.some((p) => places.some((q) => q !== p && q.file === p.file && q.index === p.index + length));
    if (first === undefined || runsIntoAnother || next.some((text) => text !== first)) return length;
    length += 1;
  }
}
