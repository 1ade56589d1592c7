/** The Content-Type of deserialized files: by name (mime), by signature (file-type), by markup. */
import { describe, expect, it } from 'vitest';
import { contentTypeOf } from '../../../lambdas/shared/content-type.ts';
import { seededBytes, utf8 } from '../../support/ipfs-fixtures.ts';

const PNG = Uint8Array.from(
  Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
    'base64',
  ),
);
const GIF = utf8('GIF89a\x01\x00\x01\x00\x00\x00\x00;');

describe('contentTypeOf', () => {
  it.each([
    ['index.html', 'text/html; charset=utf-8'],
    ['style.CSS', 'text/css; charset=utf-8'],
    ['app.js', 'text/javascript; charset=utf-8'],
    ['metadata.json', 'application/json'],
    ['image.svg', 'image/svg+xml'],
    ['photo.jpeg', 'image/jpeg'],
    ['model.glb', 'model/gltf-binary'],
    ['clip.mp4', 'video/mp4'],
    ['track.mp3', 'audio/mpeg'],
    ['doc.pdf', 'application/pdf'],
  ])('types %s by its name', async (name, type) => {
    expect(await contentTypeOf({ name, head: seededBytes(64), raw: false })).toBe(type);
  });

  it('falls back to the bytes when the name says nothing', async () => {
    for (const name of [undefined, 'README', 'file.unknownext']) {
      expect(await contentTypeOf({ ...(name ? { name } : {}), head: PNG, raw: false })).toBe(
        'image/png',
      );
    }
  });

  it.each([
    ['a PNG', PNG, 'image/png'],
    ['a GIF', GIF, 'image/gif'],
    ['an SVG', utf8('<svg xmlns="http://www.w3.org/2000/svg"></svg>'), 'image/svg+xml'],
    [
      'an SVG with a declaration and a comment',
      utf8('\uFEFF<?xml version="1.0"?>\n<!-- made by hand -->\n<svg viewBox="0 0 1 1"/>'),
      'image/svg+xml',
    ],
    ['an HTML page', utf8('  <!DOCTYPE html>\n<html><body>hi'), 'text/html; charset=utf-8'],
    ['UTF-8 text', utf8('{"name": "nft ✓"}'), 'text/plain; charset=utf-8'],
    ['binary', seededBytes(4100, 2), 'application/octet-stream'],
    ['nothing', new Uint8Array(), 'application/octet-stream'],
  ])('types a UnixFS file of %s by its bytes', async (_what, head, type) => {
    expect(await contentTypeOf({ head, raw: false })).toBe(type);
  });

  it('keeps text that a multi-byte character is cut at the end of', async () => {
    const head = utf8(`${'a'.repeat(99)}✓`).subarray(0, 101);
    expect(await contentTypeOf({ head, raw: false })).toBe('text/plain; charset=utf-8');
  });

  it('calls a raw block binary unless its bytes are a known type', async () => {
    expect(await contentTypeOf({ head: utf8('hello world!'), raw: true })).toBe(
      'application/octet-stream',
    );
    expect(await contentTypeOf({ head: PNG, raw: true })).toBe('image/png');
    expect(await contentTypeOf({ head: utf8('<svg/>'), raw: true })).toBe('image/svg+xml');
  });
});
