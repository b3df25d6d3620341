import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes, randomInt } from 'node:crypto';
import { hmacSha256Base64 } from '../../src/delivery/hmac.js';

test('RFC 4231 test cases 1, 2 and 6 (a key longer than the block is hashed first)', () => {
  const cases: Array<[Buffer, string, string]> = [
    [Buffer.alloc(20, 0x0b), 'Hi There', 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7'],
    [
      Buffer.from('Jefe'),
      'what do ya want for nothing?',
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    ],
    [
      Buffer.alloc(131, 0xaa),
      'Test Using Larger Than Block-Size Key - Hash Key First',
      '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
    ],
  ];
  for (const [key, data, hex] of cases) {
    assert.equal(hmacSha256Base64(key, '', data), Buffer.from(hex, 'hex').toString('base64'));
  }
});

test('equals createHmac for keys of every length around the block size and any body', () => {
  const unicode = 'äöü €𝄞 "quoted" \\ \n';
  for (let keyLength = 0; keyLength <= 130; keyLength++) {
    const key = randomBytes(keyLength);
    const prefix = `msg_${keyLength}.${1_700_000_000 + keyLength}.`;
    const text = unicode.repeat(randomInt(0, 200)) + 'x'.repeat(randomInt(0, 3000));
    const bytes = randomBytes(randomInt(0, 3000));
    const expected = (body: string | Buffer) =>
      createHmac('sha256', key).update(prefix).update(body).digest('base64');
    assert.equal(hmacSha256Base64(key, prefix, text), expected(text), `string body, key ${keyLength} B`);
    assert.equal(hmacSha256Base64(key, prefix, bytes), expected(bytes), `byte body, key ${keyLength} B`);
  }
});
