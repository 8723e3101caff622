/**
 * Text a user gave, for a one-line message: whole when short, else its start and its length. A
 * formula or a --set value can be megabytes; a message quotes the start only.
 */

/** Characters of a long text kept in a message. */
const KEEP = 60;

/** `text`, or its first `keep` characters and its length. */
export function excerpt(text: string, keep = KEEP): string {
  return text.length <= keep ? text : `${text.slice(0, keep)}... (${text.length} characters)`;
}

/**
 * `text` in double quotes, or its first `keep` characters in quotes and its length; escaped as in
 * JSON, so a newline in it cannot break the message's one line.
 */
export function quote(text: string, keep = KEEP): string {
  return text.length <= keep ? JSON.stringify(text) : `${JSON.stringify(`${text.slice(0, keep)}...`)} (${text.length} characters)`;
}

/**
 * Control characters (C0, DEL, C1), line and paragraph separators and bidirectional overrides: a
 * terminal acts on them (ESC [2J clears the screen, ESC ]0; sets the window's title, U+202E turns
 * text around) instead of showing them.
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * `text` safe to print on a terminal: each control character shown as an escape (`\n`, `\x1b`,
 * `\u202e`), everything else as it is. Every string from a file (a run directory's name,
 * meta.json's and config.yaml's values, a message quoting them) is printed through this.
 *
 *     terminalText('a\u001b[2Jb')  // 'a\\x1b[2Jb'
 */
export function terminalText(text: string): string {
  return text.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    return NAMED[c] ?? (code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`);
  });
}

/**
 * Names joined by commas: all of them up to `max`, else the first max - 1 and how many there are
 * (an MNIST module reads hundreds of pixels; a line naming each would bury the rest).
 *
 *     nameList(['a', 'b', 'c'], 2)  // 'a, … (3)'
 */
export function nameList(names: readonly string[], max: number): string {
  return names.length <= max ? names.join(', ') : `${names.slice(0, Math.max(1, max - 1)).join(', ')}, … (${names.length})`;
}
