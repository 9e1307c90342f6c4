/**
 * Text from clients (ids, usernames, error messages) made safe to print on one
 * line of a log or a terminal: control characters are shown escaped, so such
 * text can neither start a forged line nor send a terminal escape sequence.
 */

/** C0, DEL, C1, and the line and paragraph separators (line breaks to JavaScript and some viewers). */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

function escape(character: string): string {
  const code = character.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`;
}

export function printable(text: string): string {
  return text.replace(CONTROL, escape);
}
