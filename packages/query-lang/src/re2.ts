/**
 * Approximate RE2 validation. ClickHouse's `match` uses RE2, which has no JS binding in this repo, so a
 * pattern is checked in two steps: a scan that rejects what RE2 lacks (lookaround, backreferences, unknown
 * letter escapes, repeats over 1000) and rewrites RE2-only syntax JS cannot parse (`(?i)`, `(?P<n>`, `\A`,
 * `\z`, `\Q…\E`, `\pL`), then compiling the rewrite with a JS RegExp. The rewrite is only compiled, never
 * run. Some rare patterns may still disagree (e.g. octal `\12`, which this rejects as a backreference);
 * ClickHouse then answers with its own error, which is still not an injection.
 */

// Letters RE2 accepts after a backslash (Perl classes, anchors, control escapes, hex, Unicode classes, quoting).
const RE2_LETTER_ESCAPES = new Set('aftnrvxdDsSwWbBAzpPQEC'.split(''));
const FLAG_GROUP = /^(?:[imsU]+(?:-[imsU]*)?|-[imsU]+)([:)])/;
const MAX_REPEAT = 1000;

/** Returns why `pattern` is not valid RE2, or undefined when it is (as far as this approximation sees). */
export function re2Problem(pattern: string): string | undefined {
  let out = '';
  let inClass = false;
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i] as string;
    if (c === '\\') {
      const e = pattern[i + 1];
      if (e === undefined) return 'trailing backslash';
      if (e >= '1' && e <= '9') return 'backreferences are not supported by RE2';
      if (/[A-Za-z]/.test(e) && !RE2_LETTER_ESCAPES.has(e)) return `invalid escape '\\${e}'`;
      if (e === 'Q') {
        // \Q…\E quotes its content literally; the rewrite drops it (any literal text compiles).
        const end = pattern.indexOf('\\E', i + 2);
        i = end < 0 ? pattern.length : end + 2;
        out += 'q';
      } else if (e === 'p' || e === 'P') {
        const close = pattern[i + 2] === '{' ? pattern.indexOf('}', i + 2) : i + 2;
        if (close < 0) return 'unterminated \\p{…} class';
        i = close + 1;
        out += '\\w';
      } else if (!inClass && (e === 'A' || e === 'z')) {
        out += e === 'A' ? '^' : '$';
        i += 2;
      } else {
        out += `\\${e}`;
        i += 2;
      }
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      i++;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      i++;
      if (pattern[i] === '^') {
        out += '^';
        i++;
      }
      // RE2 (like POSIX) reads a leading ']' as a member; JS would close an empty class instead.
      if (pattern[i] === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    if (c === '(' && pattern[i + 1] === '?') {
      const rest = pattern.slice(i + 2, i + 12);
      if (rest.startsWith('=') || rest.startsWith('!')) return 'lookahead is not supported by RE2';
      if (rest.startsWith('<=') || rest.startsWith('<!')) return 'lookbehind is not supported by RE2';
      if (rest.startsWith('P=') || rest.startsWith('P>')) return 'backreferences are not supported by RE2';
      if (rest.startsWith('P<')) {
        out += '(?<';
        i += 4;
        continue;
      }
      const flags = FLAG_GROUP.exec(rest);
      if (flags) {
        // JS (Node 20) has no inline flags; `(?i)` is dropped and `(?i:` becomes a plain group.
        out += flags[1] === ':' ? '(?:' : '';
        i += 2 + flags[0].length;
        continue;
      }
      if (!rest.startsWith(':') && !rest.startsWith('<')) return 'unsupported group syntax';
    }
    if (c === '{') {
      const m = /^\{([0-9]+)(?:,([0-9]*))?\}/.exec(pattern.slice(i, i + 24));
      if (m && (Number(m[1]) > MAX_REPEAT || Number(m[2] ?? 0) > MAX_REPEAT)) {
        return `repeat count above ${MAX_REPEAT}`;
      }
    }
    out += c;
    i++;
  }
  try {
    new RegExp(out);
  } catch (err) {
    // V8 says "Invalid regular expression: /<rewritten pattern>/: <reason>"; the rewrite would confuse.
    const msg = (err as Error).message;
    return `invalid regular expression: ${msg.slice(msg.lastIndexOf(': ') + 2)}`;
  }
  return undefined;
}
