import { randomBytes } from 'node:crypto';
import type { CommandContext } from '../context.js';

/** Prints a new 32-byte Standard Webhooks secret. */
export async function run(ctx: CommandContext): Promise<number> {
  ctx.stdout.write(`whsec_${randomBytes(32).toString('base64')}\n`);
  return 0;
}
