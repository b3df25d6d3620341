import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import * as ed from '@noble/ed25519';
import { Webhook } from 'standardwebhooks';
import { signatureHeaders } from '../../src/delivery/signing.js';
import { generateSigningKeyPair, parseSigningSecret } from '../../src/signing-keys/index.js';
import { newSecret } from './support.js';

const body = JSON.stringify({ id: 'msg_1', type: 'flight.departed', data: { ä: 'ü' } });
// Now: the standardwebhooks library rejects timestamps outside a 5-minute tolerance.
const ts = Math.floor(Date.now() / 1000);

/** The v1a signatures of a header, decoded. */
function v1aSignatures(header: string): Buffer[] {
  return header
    .split(' ')
    .filter((s) => s.startsWith('v1a,'))
    .map((s) => Buffer.from(s.slice(4), 'base64'));
}

const signedContent = (id: string) => new TextEncoder().encode(`${id}.${ts}.${body}`);
const publicBytes = (whpk: string) => Buffer.from(whpk.slice(5), 'base64');

test('v1a signatures verify with @noble/ed25519 on the whpk_ public key, for string and byte bodies', async () => {
  const pair = generateSigningKeyPair();
  assert.match(pair.secretKey, /^whsk_[A-Za-z0-9+/]+={0,2}$/);
  assert.match(pair.publicKey, /^whpk_[A-Za-z0-9+/]+={0,2}$/);
  // noble derives the same public key from the seed: the pair belongs together.
  const seed = Buffer.from(pair.secretKey.slice(5), 'base64').subarray(0, 32);
  assert.deepEqual(Buffer.from(await ed.getPublicKeyAsync(seed)), publicBytes(pair.publicKey));

  for (const sent of [body, Buffer.from(body)]) {
    const headers = signatureHeaders([pair.secretKey], 'msg_1', ts, sent);
    const [signature] = v1aSignatures(headers['webhook-signature']);
    assert.equal(headers['webhook-signature'].split(' ').length, 1);
    assert.equal(await ed.verifyAsync(signature!, signedContent('msg_1'), publicBytes(pair.publicKey)), true);
    // Another id, another body or another key fails.
    assert.equal(
      await ed.verifyAsync(signature!, signedContent('msg_2'), publicBytes(pair.publicKey)),
      false,
    );
    const other = generateSigningKeyPair().publicKey;
    assert.equal(await ed.verifyAsync(signature!, signedContent('msg_1'), publicBytes(other)), false);
  }
});

test('v1a signatures verify with node:crypto on the whpk_ key imported as a JWK', () => {
  const pair = generateSigningKeyPair();
  const headers = signatureHeaders([pair.secretKey], 'msg_9', ts, body);
  const publicKey = createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: publicBytes(pair.publicKey).toString('base64url') },
    format: 'jwk',
  });
  const [signature] = v1aSignatures(headers['webhook-signature']);
  assert.equal(verify(null, Buffer.from(`msg_9.${ts}.${body}`), publicKey, signature!), true);
  assert.equal(verify(null, Buffer.from(`msg_9.${ts}.${body} `), publicKey, signature!), false);
});

test('a mixed whsec_ + whsk_ list sends one v1 and one v1a signature; each verifies independently', async () => {
  const hmacSecret = newSecret();
  const pair = generateSigningKeyPair();
  const headers = signatureHeaders([hmacSecret, pair.secretKey], 'msg_3', ts, body);
  const parts = headers['webhook-signature'].split(' ');
  assert.deepEqual(
    parts.map((p) => p.split(',')[0]),
    ['v1', 'v1a'],
  );
  // The standardwebhooks library checks the v1 part (it skips v1a).
  const webhook = new Webhook(hmacSecret);
  assert.equal((webhook.verify(body, { ...headers }) as { id: string }).id, 'msg_1');
  assert.throws(() => new Webhook(newSecret()).verify(body, { ...headers }));
  const [signature] = v1aSignatures(headers['webhook-signature']);
  assert.equal(await ed.verifyAsync(signature!, signedContent('msg_3'), publicBytes(pair.publicKey)), true);
});

test('the bare 32-byte seed form signs exactly like the 64-byte form (ed25519 is deterministic)', () => {
  const pair = generateSigningKeyPair();
  const seedOnly = `whsk_${Buffer.from(pair.secretKey.slice(5), 'base64').subarray(0, 32).toString('base64')}`;
  const full = parseSigningSecret(pair.secretKey);
  const seed = parseSigningSecret(seedOnly);
  assert.equal(full.scheme, 'v1a');
  assert.equal(seed.scheme === 'v1a' && full.scheme === 'v1a' && seed.publicKey === full.publicKey, true);
  assert.equal(
    signatureHeaders([seedOnly], 'msg_4', ts, body)['webhook-signature'],
    signatureHeaders([pair.secretKey], 'msg_4', ts, body)['webhook-signature'],
  );
});

test('bad signing secrets fail with a reason that never repeats the key', () => {
  const pair = generateSigningKeyPair();
  const raw = Buffer.from(pair.secretKey.slice(5), 'base64');
  const otherPublic = publicBytes(generateSigningKeyPair().publicKey);
  const cases: Array<[unknown, RegExp]> = [
    [pair.publicKey, /public key \(whpk_\).*whsk_ secret key/],
    ['whsk_not base64!', /"whsk_" followed by base64/],
    [`whsk_${raw.subarray(0, 31).toString('base64')}`, /64-byte ed25519 secret key .* not 31 bytes/],
    [`whsk_${Buffer.concat([raw.subarray(0, 32), otherPublic]).toString('base64')}`, /public half/],
    [`whsec_${Buffer.alloc(8).toString('base64')}`, /at least 16 bytes/],
    ['sk_live_abc', /"whsec_" \(HMAC\) or "whsk_" \(ed25519\)/],
    [42, /must be a string/],
  ];
  for (const [value, reason] of cases) {
    assert.throws(
      () => parseSigningSecret(value),
      (err: Error) => {
        assert.match(err.message, reason);
        if (typeof value === 'string') assert.ok(!err.message.includes(value.slice(5, 20)), err.message);
        return true;
      },
    );
  }
  assert.equal(parseSigningSecret(newSecret()).scheme, 'v1');
});

test('a key pair made elsewhere (node:crypto) signs and verifies the same way', async () => {
  const { privateKey } = generateKeyPairSync('ed25519');
  const { d, x } = privateKey.export({ format: 'jwk' });
  const whsk = `whsk_${Buffer.concat([Buffer.from(d!, 'base64url'), Buffer.from(x!, 'base64url')]).toString('base64')}`;
  const key = parseSigningSecret(whsk);
  assert.equal(
    key.scheme === 'v1a' && key.publicKey,
    `whpk_${Buffer.from(x!, 'base64url').toString('base64')}`,
  );
  const [signature] = v1aSignatures(signatureHeaders([whsk], 'msg_5', ts, body)['webhook-signature']);
  assert.equal(await ed.verifyAsync(signature!, signedContent('msg_5'), Buffer.from(x!, 'base64url')), true);
});

test('flup-bridge secret --asymmetric prints a whsk_ line and its whpk_ line', async () => {
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'secret', '--asymmetric'],
    {
      encoding: 'utf8',
      env: { PATH: process.env.PATH },
    },
  );
  assert.equal(result.status, 0, result.stderr);
  const [secretKey, publicKey, extra] = result.stdout.split('\n');
  assert.equal(extra, '');
  const key = parseSigningSecret(secretKey);
  assert.equal(key.scheme === 'v1a' && key.publicKey, publicKey);
  const [signature] = v1aSignatures(signatureHeaders([secretKey!], 'msg_6', ts, body)['webhook-signature']);
  assert.equal(await ed.verifyAsync(signature!, signedContent('msg_6'), publicBytes(publicKey!)), true);

  const plain = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'secret'], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH },
  });
  assert.equal(plain.status, 0, plain.stderr);
  assert.equal(parseSigningSecret(plain.stdout.trim()).scheme, 'v1');
});
