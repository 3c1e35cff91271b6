/**
 * How deep a YAML stream nests, measured on the tokens of yaml's Lexer (which keeps no tree), so that a document
 * too deep is refused before yaml's parser builds it: the parser keeps an object per open collection (2.7 GB and
 * 12 s for 3 MB of `[`) and its composer recurses once per level (out of stack at 700 to 900 levels).
 *
 * Flow collections count exactly. A block collection opens at a column: a line's first node, a `- ` or `? `
 * within a line, or the key of a `- key:` map; a line belongs to the innermost collection left of its first
 * node (or, for `- `, at its column: a sequence may sit at its key's indentation). A line holding only a scalar
 * counts as a collection too, so the measure is at most one more than the true depth, and never less (aliases
 * aside: the depth of what they expand to is checked on the parsed value, request-limits.ts).
 */
import { Lexer } from 'yaml';

/** The lexer's markers (document, scalar, flow-error-end), which stand for no text. */
const MARKERS = new Set(['\x02', '\x1f', '\x18']);

const isNewline = (token: string) => token === '\n' || token === '\r\n';

interface Open {
  column: number;
  sequence: boolean;
  depth: number;
}

/** The line (from 1) where the nesting first exceeds `maxDepth`, or undefined if it never does. */
export function lineNestedDeeperThan(text: string, maxDepth: number): number | undefined {
  /** The block collections open at the current token, innermost last. */
  const open: Open[] = [];
  const depthHere = () => open[open.length - 1]?.depth ?? 0;
  const openAt = (column: number, sequence: boolean) => open.push({ column, sequence, depth: depthHere() + 1 });
  let flow = 0;
  let line = 1;
  let column = 0;
  let lineStart = true;
  /** After `- ` or `? ` within the line: the column of the node that follows, once seen (a `key:` there opens a map). */
  let afterIndicator = false;
  let nodeColumn = -1;
  let blockScalarNext = false;
  for (const token of new Lexer().lex(text)) {
    if (MARKERS.has(token)) continue;
    if (token === '') {
      // An empty scalar: the content of an empty block scalar, if one was next.
      blockScalarNext = false;
      continue;
    }
    if (isNewline(token)) {
      line++;
      column = 0;
      lineStart = true;
      afterIndicator = false;
      continue;
    }
    const first = token[0];
    if (first === ' ' || first === '\t' || first === '#') {
      column += token.length;
      continue;
    }
    if (blockScalarNext) {
      // A block scalar's content (its indented lines, one token) opens nothing.
      blockScalarNext = false;
    } else if (flow === 0) {
      const indicator = token === '-' || token === '?';
      if (token === '---' || token === '...') open.length = 0;
      else if (lineStart) {
        for (let top = open[open.length - 1]; top && (top.column > column || (top.column === column && (top.sequence || token !== '-'))); top = open[open.length - 1]) {
          open.pop();
        }
        // A flow collection is counted as flow.
        if (token !== '{' && token !== '[') openAt(column, token === '-');
      } else if (indicator) openAt(column, token === '-');
      else if (token === ':' && afterIndicator && nodeColumn >= 0) {
        // `- key: value`: a map inside the sequence item, at the key's column.
        openAt(nodeColumn, false);
        afterIndicator = false;
      } else if (afterIndicator && nodeColumn < 0) nodeColumn = column;
      if (indicator) {
        afterIndicator = true;
        nodeColumn = -1;
      } else if (first === '|' || first === '>') blockScalarNext = true;
    }
    lineStart = false;
    if (token === '{' || token === '[') flow++;
    else if ((token === '}' || token === ']') && flow > 0) flow--;
    if (depthHere() + flow > maxDepth) return line;
    // Scalars may span lines (block scalars, multi-line quoted or plain ones).
    const lastBreak = token.lastIndexOf('\n');
    if (lastBreak < 0) column += token.length;
    else {
      for (let i = token.indexOf('\n'); i >= 0; i = token.indexOf('\n', i + 1)) line++;
      column = token.length - lastBreak - 1;
      lineStart = column === 0;
      if (lineStart) afterIndicator = false;
    }
  }
  return undefined;
}
