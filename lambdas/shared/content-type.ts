/**
 * Content-Type of a file the gateway deserializes: from its name when it has a known extension,
 * else from its first bytes, else text for UTF-8 and octet-stream for the rest.
 */
import { isUtf8 } from 'node:buffer';
import type { ContentTypeOf } from '../core/gateway/serve.ts';

// Interim table until a maintained MIME package is installed (see the report).
const BY_EXTENSION: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  htm: 'text/html; charset=utf-8',
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  json: 'application/json',
  txt: 'text/plain; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  mp4: 'video/mp4',
  webm: 'video/webm',
  mp3: 'audio/mpeg',
  wav: 'audio/wav',
  pdf: 'application/pdf',
  glb: 'model/gltf-binary',
  gltf: 'model/gltf+json',
};

const SIGNATURES: [number[], string][] = [
  [[0x89, 0x50, 0x4e, 0x47], 'image/png'],
  [[0xff, 0xd8, 0xff], 'image/jpeg'],
  [[0x47, 0x49, 0x46, 0x38], 'image/gif'],
  [[0x25, 0x50, 0x44, 0x46], 'application/pdf'],
];

export const contentTypeOf: ContentTypeOf = ({ name, head, raw }) => {
  const extension = name?.includes('.') ? name.split('.').pop()?.toLowerCase() : undefined;
  const byName = extension ? BY_EXTENSION[extension] : undefined;
  if (byName) return byName;
  for (const [signature, type] of SIGNATURES) {
    if (signature.every((byte, i) => head[i] === byte)) return type;
  }
  if (!raw && head.byteLength > 0 && isUtf8(head.subarray(0, Math.max(0, head.byteLength - 4))))
    return 'text/plain; charset=utf-8';
  return 'application/octet-stream';
};
