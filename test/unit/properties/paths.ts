/**
 * The rules a directory upload's file paths must meet, written from the API's description
 * rather than from the code that enforces them, so property tests can say which uploads must
 * succeed and which must fail.
 */
const MAX_FILES = 10_000;
const MAX_SEGMENT_BYTES = 255;
const MAX_PATH_BYTES = 1024;

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

/** A usable name: no control characters or backslashes, short enough, no empty/`.`/`..` parts. */
export function isUsablePath(name: string): boolean {
  if (name === '' || bytes(name) > MAX_PATH_BYTES) return false;
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (code < 0x20 || code === 0x7f || code === 0x5c) return false;
  }
  return name
    .split('/')
    .every((s) => s !== '' && s !== '.' && s !== '..' && bytes(s) <= MAX_SEGMENT_BYTES);
}

/** Paths one directory can hold together: usable, distinct, none both a file and a directory. */
export function isUsableDirectory(names: readonly string[]): boolean {
  if (names.length === 0 || names.length > MAX_FILES) return false;
  if (!names.every(isUsablePath)) return false;
  if (new Set(names).size !== names.length) return false;
  return !names.some((name) => names.some((other) => other.startsWith(`${name}/`)));
}
