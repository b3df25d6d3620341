/**
 * Every command's summary, usage and options in one place: `--help`, `help <command>`, the
 * README's CLI section and the argument parser all read this table, so a command cannot accept
 * an option its help does not list. The commands themselves are loaded on demand by main.ts
 * (data only here, so the commands can import it without a cycle).
 */
export interface OptionSpec {
  type: 'string' | 'boolean';
  /** What the value is called in usage lines (string options). */
  value?: string;
  help: string;
}

export interface CommandSpec {
  summary: string;
  /** One line per form, without "flup-bridge ". */
  usage: readonly string[];
  options: Readonly<Record<string, OptionSpec>>;
}

const config = { type: 'string', value: 'FILE', help: 'YAML configuration (default: FLUP_CONFIG)' } as const;

export const COMMANDS = {
  run: {
    summary: 'run the bridge (ingest, delivery workers, admin server)',
    usage: ['run [--config FILE] [--role all|ingest|worker]'],
    options: {
      config,
      role: { type: 'string', value: 'ROLE', help: 'all (default), ingest or worker' },
    },
  },
  config: {
    summary: 'check a configuration file and print the effective config, secrets masked',
    usage: ['config check [FILE] [--json]   (FILE defaults to --config or FLUP_CONFIG)'],
    options: { config, json: { type: 'boolean', help: 'print JSON instead of YAML' } },
  },
  credentials: {
    summary: 'show or renew the Lufthansa broker credentials kept in Redis',
    usage: ['credentials show [--config FILE]', 'credentials renew [--config FILE]'],
    options: { config },
  },
  auth: {
    summary: 'one-time OAuth2 login (authorization code + PKCE) for a token provider',
    usage: ['auth login <provider-id> [--config FILE] [--no-open] [--timeout SECONDS]'],
    options: {
      config,
      'no-open': { type: 'boolean', help: 'print the login URL without opening a browser' },
      timeout: { type: 'string', value: 'SECONDS', help: 'give up waiting for the browser after this long' },
    },
  },
  dlq: {
    summary: 'list, replay or purge dead letters',
    usage: [
      'dlq list [--webhook W] [--since T] [--json]',
      'dlq replay <id> --webhook W',
      'dlq replay (--webhook W | --all) [--since T]',
      'dlq purge (--webhook W | --all) [--since T]',
    ],
    options: {
      config,
      webhook: { type: 'string', value: 'W', help: 'only this webhook' },
      since: {
        type: 'string',
        value: 'T',
        help: 'failed at or after T: an ISO time or a duration back from now (1h30m)',
      },
      json: { type: 'boolean', help: 'list as JSON' },
      all: { type: 'boolean', help: "replay or purge every webhook's dead letters (has to be said)" },
    },
  },
  demo: {
    summary: 'run the bridge against simulated Lufthansa services with a local receiver',
    usage: ['demo [--rate N] [--fail-rate F] [--config FILE]'],
    options: {
      config: { type: 'string', value: 'FILE', help: 'bridge configuration (default: config/demo.yaml)' },
      rate: { type: 'string', value: 'N', help: 'flight updates per second (default 3)' },
      'fail-rate': {
        type: 'string',
        value: 'F',
        help: 'share of deliveries the receiver refuses, 0 to 0.99 (default 0)',
      },
    },
  },
  secret: {
    summary: 'print a new Standard Webhooks signing secret (whsec_...)',
    usage: ['secret [--asymmetric]'],
    options: {
      asymmetric: {
        type: 'boolean',
        help: 'an ed25519 pair instead: whsk_ (for the bridge) and whpk_ (for receivers)',
      },
    },
  },
  subscriptions: {
    summary: 'add, list or remove run-time subscriptions of webhooks (subscriptions: true)',
    usage: [
      'subscriptions add --webhook W (--flight LH400 [--date YYYY-MM-DD] | --carrier LX) [--events flight.*,...] [--expires ISO]',
      'subscriptions list [--webhook W] [--json]',
      'subscriptions remove <id>',
    ],
    options: {
      config,
      webhook: { type: 'string', value: 'W', help: 'the webhook (add: required; list: only this one)' },
      flight: {
        type: 'string',
        value: 'LH400',
        help: 'a flight number (with --date: one flight on one date)',
      },
      date: { type: 'string', value: 'YYYY-MM-DD', help: 'the flight date (UTC)' },
      carrier: { type: 'string', value: 'LX', help: 'every flight of this carrier' },
      events: { type: 'string', value: 'LIST', help: 'event types, comma separated (flight.* patterns)' },
      expires: { type: 'string', value: 'ISO', help: 'when the subscription stops matching' },
      json: { type: 'boolean', help: 'list as JSON' },
    },
  },
  flight: {
    summary: "show a flight's timeline: every notification and each webhook's delivery attempts",
    usage: ['flight <LH400> [--date YYYY-MM-DD] [--json]'],
    options: {
      config,
      date: { type: 'string', value: 'YYYY-MM-DD', help: 'the flight date (default: today, UTC)' },
      json: { type: 'boolean', help: 'print JSON' },
    },
  },
} as const satisfies Record<string, CommandSpec>;

export type CommandName = keyof typeof COMMANDS;

export function isCommand(name: string): name is CommandName {
  return Object.hasOwn(COMMANDS, name);
}
