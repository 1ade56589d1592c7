/**
 * The `x-name` header's contract admits exactly the values decodeURIComponent takes, so a name
 * the document allows never fails to decode in the route (and the reverse).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { UploadName } from '../../../contract/schema.ts';
import { UploadNameHeader } from '../../../contract/uploads.ts';

const admitted = (value: string) => z.safeParse(UploadNameHeader, { 'x-name': value }).success;
const decodes = (value: string) => {
  try {
    decodeURIComponent(value);
    return true;
  } catch {
    return false;
  }
};

describe('x-name header', () => {
  it('admits every encodeURIComponent output', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (name) => {
        expect(admitted(encodeURIComponent(name))).toBe(true);
      }),
    );
  });

  it('admits a run of escapes exactly when the bytes they spell are UTF-8', () => {
    const escapes = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(escapes, fc.boolean(), (bytes, lower) => {
        const hex = bytes.map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
        const value = lower ? hex : hex.toUpperCase();
        expect(admitted(value)).toBe(decodes(value));
      }),
      { numRuns: 2000 },
    );
  });

  it.each(['%', '100%', '%zz', '%C3', '%C3%28', '%ED%A0%80', '%F4%90%80%80'])(
    'refuses %s',
    (value) => {
      expect(admitted(value)).toBe(false);
    },
  );
});

describe('upload names', () => {
  it('refuses exactly the names that trim to nothing, whatever the character', () => {
    for (let code = 0; code <= 0xffff; code++) {
      const name = String.fromCharCode(code);
      const blank = name.trim() === '';
      expect(z.safeParse(UploadName, `${name}${name}`).success, code.toString(16)).toBe(!blank);
    }
  });

  it('stores a name trimmed, and counts its length as sent', () => {
    expect(z.parse(UploadName, '  cat.png \n')).toBe('cat.png');
    expect(z.safeParse(UploadName, ` ${'a'.repeat(1023)} `).success).toBe(false);
    expect(z.safeParse(UploadName, 'a'.repeat(1024)).success).toBe(true);
  });
});
