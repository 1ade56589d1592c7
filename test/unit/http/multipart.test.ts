/**
 * multipart/form-data parsing: every part is form data with a field name, or the body is 400
 * (busboy alone would skip a part it cannot read, and hand a nameless part over as `undefined`).
 */
import { describe, expect, it } from 'vitest';
import { FailureError } from '../../../lambdas/core/failures.ts';
import { parseMultipart } from '../../../lambdas/http/multipart.ts';
import { inProcessApi, storedState } from '../../support/in-process-api.ts';

const TYPE = 'multipart/form-data; boundary=b';

const body = (...parts: string[]) =>
  new TextEncoder().encode(
    `preamble\r\n${parts.map((p) => `--b\r\n${p}\r\n`).join('')}--b--\r\nepilogue`,
  );

const file = (name: string, filename: string, content: string) =>
  `Content-Disposition: form-data; name="${name}"; filename="${filename}"\r\n\r\n${content}`;

async function failureOf(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    if (error instanceof FailureError) return error.failure;
    throw error;
  }
  throw new Error('expected a failure');
}

describe('parseMultipart', () => {
  it('reads files and fields, a field given twice counting as one (the last)', async () => {
    const form = await parseMultipart(
      TYPE,
      body(
        file('file', 'a/café.txt', 'alpha'),
        'Content-Disposition: form-data; name="meta"\r\n\r\n{}',
        'Content-Disposition: form-data; name="meta"\r\n\r\n{"last":true}',
      ),
    );
    expect(form.files.map((f) => [f.field, f.name, Buffer.from(f.content).toString()])).toEqual([
      ['file', 'a/café.txt', 'alpha'],
    ]);
    expect([...form.fields]).toEqual([['meta', '{"last":true}']]);
  });

  it.each([
    [
      'an empty RFC 5987 filename',
      `Content-Disposition: form-data; name="file"; filename*=UTF-8''\r\n\r\nx`,
    ],
    [
      'an unterminated quoted filename',
      'Content-Disposition: form-data; name="file"; filename="a\r\n\r\nx',
    ],
    ['no Content-Disposition', 'Content-Type: text/plain\r\n\r\nx'],
    [
      'a disposition other than form-data',
      'Content-Disposition: attachment; filename="b"\r\n\r\nx',
    ],
  ])('refuses a part busboy would skip without a word: %s', async (_, part) => {
    const failure = await failureOf(
      parseMultipart(TYPE, body(file('file', 'a', 'kept'), part, file('file', 'c', 'kept'))),
    );
    expect(failure).toEqual({
      name: 'InvalidRequest',
      message: 'invalid multipart body: a part has no usable form-data Content-Disposition',
    });
  });

  it.each([
    ['a file', 'Content-Disposition: form-data; filename="a.png"\r\n\r\nx'],
    ['a field', 'Content-Disposition: form-data; name=""\r\n\r\nx'],
  ])('refuses %s without a field name', async (_, part) => {
    const failure = await failureOf(parseMultipart(TYPE, body(part)));
    expect(failure.message).toBe('invalid multipart body: a part has no field name');
  });

  it('names an over-long field by a short, printable excerpt', async () => {
    const name = `${'n'.repeat(200)}\u009b`;
    const failure = await failureOf(
      parseMultipart(
        TYPE,
        body(
          `Content-Disposition: form-data; name="${name}"\r\n\r\n${'v'.repeat(1024 * 1024 + 1)}`,
        ),
      ),
    );
    expect(failure.message).toBe(
      `multipart field "${'n'.repeat(80)}… (201 characters)" is larger than 1 MiB`,
    );
  });
});

describe('POST /store with a nameless file part', () => {
  it('answers 400 and stores nothing (it used to reach the NFT builder as field `undefined`)', async () => {
    const api = await inProcessApi();
    const before = storedState(api.ports);
    const response = await api.request('POST', '/store', {
      body: body(
        'Content-Disposition: form-data; name="meta"\r\n\r\n{"image":null}',
        'Content-Disposition: form-data; filename="pin.png"\r\n\r\npng',
      ),
      headers: { 'content-type': TYPE },
    });
    expect(response.status).toBe(400);
    expect(response.json.error.message).toBe('invalid multipart body: a part has no field name');
    expect(storedState(api.ports)).toEqual(before);
  });
});

describe('POST /upload with a part busboy cannot read', () => {
  it('answers 400 instead of storing the directory without that file', async () => {
    const api = await inProcessApi();
    const before = storedState(api.ports);
    const response = await api.request('POST', '/upload', {
      body: body(
        file('file', 'a.txt', 'alpha'),
        `Content-Disposition: form-data; name="file"; filename*=UTF-8''\r\n\r\nlost`,
      ),
      headers: { 'content-type': TYPE },
    });
    expect(response.status).toBe(400);
    expect(storedState(api.ports)).toEqual(before);
  });
});

describe('POST /upload with a file list no answer could carry', () => {
  it('answers 400 before packing, storing nothing (it was stored, then answered with a 5xx)', async () => {
    // 7,300 names of 250 `"` each: under 4 MiB of body, over 8 MB of answer once escaped.
    const api = await inProcessApi();
    const before = storedState(api.ports);
    const parts = Array.from({ length: 7_300 }, (_, i) =>
      file('file', `${i}${'\\"'.repeat(250)}`, ''),
    );
    const response = await api.request('POST', '/upload', {
      body: body(...parts),
      headers: { 'content-type': TYPE },
    });
    expect(response.status, response.text).toBe(400);
    expect(response.json.error.message).toMatch(/^the file list takes \d+ bytes in an answer/);
    expect(storedState(api.ports)).toEqual(before);
  });
});
