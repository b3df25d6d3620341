/**
 * Issue 18 item 3: a secret containing `"`, `\` or a tab is JSON-escaped in a log line; the scrub
 * must remove it in that form too (and double-escaped, and URL-encoded), wherever it appears.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { captureLogger } from '../helpers/logger.js';
import { encodedForms, scrub } from '../../src/core/index.js';

const SECRETS = ['pa"ss\\wo\trd-1', 'quote"only-2', 'back\\slash-3', 'tab\there-4', 'plain-secret-5'];

test('log lines carry no secret in any encoded form', () => {
  const { logger, lines } = captureLogger({ level: 'trace', secrets: () => SECRETS });
  for (const secret of SECRETS) {
    logger.info({ detail: `token endpoint said: ${secret}` }, `message with ${secret}`);
    logger.warn({ err: new Error(`echo: {"client_secret":${JSON.stringify(secret)}}`) }, 'request failed');
    logger.error({ body: new URLSearchParams({ client_secret: secret }).toString() }, 'form echoed');
  }
  assert.equal(lines.length, SECRETS.length * 3);
  for (const line of lines) {
    for (const secret of SECRETS) {
      for (const form of encodedForms(secret)) {
        assert.ok(!line.includes(form), `${JSON.stringify(form)} found in ${line}`);
      }
      // Whatever the encoding, the decoded line holds no secret either.
      assert.ok(!JSON.stringify(JSON.parse(line)).includes(secret));
      assert.ok(!String(JSON.parse(line).msg).includes(secret));
    }
    assert.match(line, /\[REDACTED\]/);
  }
});

test('scrub replaces raw, JSON-escaped and URL-encoded forms', () => {
  const secret = 'a"b\\c\td e+f';
  const text = [
    secret,
    JSON.stringify(secret),
    JSON.stringify(JSON.stringify(secret)),
    encodeURIComponent(secret),
    new URLSearchParams({ s: secret }).toString(),
  ].join(' | ');
  const out = scrub(text, [secret]);
  assert.equal(out.includes('a"b'), false, out);
  assert.equal(out.includes('e+f'), false, out);
  assert.equal(out.includes('e%2Bf'), false, out);
  assert.equal(out.match(/\[REDACTED\]/g)?.length, 5, out);
  assert.equal(scrub('abc', ['ab']), 'abc', 'shorter than 4 characters: not scrubbed');
});
