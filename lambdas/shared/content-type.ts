/**
 * Content-Type of a file the gateway deserializes: from its name when the extension is known
 * (mime's standard table), else from its first bytes (file-type's signatures), else SVG and HTML
 * markup, plain text for other UTF-8 and octet-stream for the rest. NFT media is often uploaded
 * as a bare file whose CID is its only name (a small one is a single raw block), so the bytes
 * matter as much as the name.
 */
import { isUtf8 } from 'node:buffer';
import { fileTypeFromBuffer } from 'file-type';
import mime from 'mime/lite';
import type { ContentTypeOf } from '../core/gateway/serve.ts';

const OCTET_STREAM = 'application/octet-stream';

/** Text is served as UTF-8, as browsers would otherwise guess the charset. */
const withCharset = (type: string) =>
  type.startsWith('text/') || type === 'application/javascript' ? `${type}; charset=utf-8` : type;

export const contentTypeOf: ContentTypeOf = async ({ name, head, raw }) => {
  const byName = name?.includes('.') ? mime.getType(name) : null;
  if (byName) return withCharset(byName);
  if (head.byteLength === 0) return OCTET_STREAM;
  const text = isUtf8Prefix(head);
  // Markup first: file-type calls any XML, SVG included, application/xml.
  const markup = text ? markupType(new TextDecoder().decode(head)) : undefined;
  if (markup) return withCharset(markup);
  const bySignature = await fileTypeFromBuffer(head);
  if (bySignature) return bySignature.mime;
  // A raw block is binary unless its bytes say more; a UnixFS file of UTF-8 is text.
  return text && !raw ? withCharset('text/plain') : OCTET_STREAM;
};

/** UTF-8, allowing the last character to be cut short (the sniffed bytes are a prefix). */
function isUtf8Prefix(bytes: Uint8Array): boolean {
  let lead = bytes.byteLength - 1;
  // Back over continuation bytes (10xxxxxx) to the first byte of the last character.
  while (lead >= 0 && bytes.byteLength - lead < 4 && ((bytes[lead] as number) & 0xc0) === 0x80) {
    lead--;
  }
  let end = bytes.byteLength;
  if (lead >= 0) {
    const first = bytes[lead] as number;
    const length = first >= 0xf0 ? 4 : first >= 0xe0 ? 3 : first >= 0xc0 ? 2 : 1;
    if (end - lead < length) end = lead;
  }
  return isUtf8(bytes.subarray(0, end));
}

/** SVG and HTML by their opening markup (after any BOM, whitespace, XML declaration or comment). */
function markupType(text: string): string | undefined {
  const start = text
    .replace(/^\uFEFF/, '')
    .replace(/^(\s|<\?xml[^>]*>|<!--[\s\S]*?-->)*/i, '')
    .slice(0, 256)
    .toLowerCase();
  if (start.startsWith('<svg') || (start.startsWith('<!doctype svg') && start.includes('<svg')))
    return 'image/svg+xml';
  if (/^<(!doctype html|html|head|body)[\s>]/.test(start)) return 'text/html';
  return undefined;
}
