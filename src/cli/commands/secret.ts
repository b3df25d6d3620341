import { randomBytes } from 'node:crypto';
import { noExtraPositionals, parseCommandArgs } from '../args.js';
import type { CommandContext } from '../context.js';
import { generateSigningKeyPair } from '../../delivery/index.js';

/**
 * Prints a new 32-byte Standard Webhooks secret (whsec_), or with --asymmetric an ed25519 pair:
 * the whsk_ line for the bridge's `secret`, the whpk_ line for receivers.
 */
export async function run(ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(ctx, 'secret');
  noExtraPositionals('secret', positionals, 0);
  if (!values.asymmetric) {
    ctx.stdout.write(`whsec_${randomBytes(32).toString('base64')}\n`);
    return 0;
  }
  const pair = generateSigningKeyPair();
  ctx.stdout.write(`${pair.secretKey}\n${pair.publicKey}\n`);
  ctx.stderr.write(
    'line 1 (whsk_): the webhook `secret` in the bridge config; line 2 (whpk_): for receivers\n',
  );
  return 0;
}
