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
 * Names joined by commas: all of them up to `max`, else the first max - 1 and how many there are
 * (an MNIST module reads hundreds of pixels; a line naming each would bury the rest).
 *
 *     nameList(['a', 'b', 'c'], 2)  // 'a, … (3)'
 */
export function nameList(names: readonly string[], max: number): string {
  return names.length <= max ? names.join(', ') : `${names.slice(0, Math.max(1, max - 1)).join(', ')}, … (${names.length})`;
}
