/**
 * Keeps Dockerfile, deploy/docker-compose.yml, deploy/k8s/*.yaml and deploy/flup-bridge.service
 * in step with the code: env var names, ports, config keys, role flags, secret files, the config
 * path, probe paths and the config-error exit code all have to match what src/ defines.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { parse, parseAllDocuments } from 'yaml';
import { envName, leaves, loadConfig } from '../../src/config/index.js';
import { main } from '../../src/cli/main.js';
import { AdminServer } from '../../src/admin/index.js';
import { waitFor } from '../helpers/servers.js';
import { adminConfig, testDeps } from './stubs.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const dockerfile = read('Dockerfile');
const compose = parse(read('deploy/docker-compose.yml')) as Doc;
const k8s: Doc[] = readdirSync(join(ROOT, 'deploy/k8s'))
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((f) => parseAllDocuments(read(`deploy/k8s/${f}`)).map((d) => d.toJS() as Doc));
const unit = read('deploy/flup-bridge.service');
const bridge = compose.services['flup-bridge'] as Doc;
const deployments = k8s.filter((d) => d.kind === 'Deployment');
const containers = deployments.map((d) => d.spec.template.spec.containers[0] as Doc);

/** Env var name -> is the key sensitive (may be given as NAME_FILE). */
const ENV_NAMES = new Map(
  [...leaves()].map(([path, leaf]) => [leaf.env ?? envName(path), leaf.sensitive === true]),
);
const ADMIN_PORT = Number(
  String([...leaves()].find(([p]) => p === 'admin.listen')![1].default)
    .split(':')
    .pop(),
);
const SYSTEM_ENV = new Set(['NODE_ENV']);

function envVarsUsed(): Array<[where: string, name: string, value?: string]> {
  const out: Array<[string, string, string?]> = [];
  for (const [name, value] of Object.entries(bridge.environment as Record<string, string>))
    out.push(['compose', name, value]);
  for (const c of containers) for (const e of c.env as Doc[]) out.push([`k8s ${c.name}`, e.name, e.value]);
  for (const m of dockerfile.matchAll(/\b(FLUP_[A-Z0-9_]+)(?:=(\S+))?/g))
    out.push(['Dockerfile', m[1]!, m[2]]);
  for (const m of unit.matchAll(/\b(FLUP_[A-Z0-9_]+)(?:=(\S+))?/g))
    out.push(['flup-bridge.service', m[1]!, m[2]]);
  for (const m of unit.matchAll(/^Environment=([A-Z_]+)=/gm)) out.push(['flup-bridge.service', m[1]!]);
  return out;
}

function argsOf(command: string[] | string): string[] {
  return Array.isArray(command) ? command : command.split(/\s+/);
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

describe('deploy files stay in step with the code', () => {
  it('use only env vars the config schema defines (NAME_FILE only for secrets)', () => {
    const used = envVarsUsed();
    assert.ok(used.length > 10, 'found the env vars');
    for (const [where, name] of used) {
      if (SYSTEM_ENV.has(name)) continue;
      const base = name.replace(/_FILE$/, '');
      assert.ok(ENV_NAMES.has(base), `${where}: ${name} is no config env var (src/config/schema/)`);
      if (name.endsWith('_FILE'))
        assert.ok(ENV_NAMES.get(base), `${where}: ${base} is not a secret, so ${name} is not read`);
    }
  });

  it('agree on the admin port', () => {
    assert.equal(ADMIN_PORT, 9464);
    for (const [where, name, value] of envVarsUsed()) {
      if (name === 'FLUP_ADMIN_LISTEN' && value)
        assert.equal(Number(value.split(':').pop()), ADMIN_PORT, where);
    }
    assert.match(dockerfile, new RegExp(`^EXPOSE ${ADMIN_PORT}$`, 'm'));
    assert.ok(
      (bridge.ports as string[]).some((p) => p.endsWith(`:${ADMIN_PORT}`)),
      'compose publishes the admin port',
    );
    for (const c of containers) {
      assert.deepEqual(c.ports, [{ name: 'admin', containerPort: ADMIN_PORT }], c.name);
      for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe'])
        assert.equal(c[probe].httpGet.port, 'admin');
    }
    const service = k8s.find((d) => d.kind === 'Service' && d.metadata.name === 'flup-bridge-metrics')!;
    assert.equal(service.spec.ports[0].targetPort, 'admin');
    assert.equal(Number(service.metadata.annotations['prometheus.io/port']), ADMIN_PORT);
  });

  it('pass role flags and a config path the CLI knows', async () => {
    const commands: Array<[string, string[]]> = [
      ['compose', argsOf(bridge.command)],
      ...containers.map((c, i): [string, string[]] => [`k8s ${deployments[i]!.metadata.name}`, c.args]),
      ['flup-bridge.service', argsOf(/^ExecStart=\S+ \S+ (.*)$/m.exec(unit)![1]!)],
    ];
    const cmd = /^CMD (\[.*\])$/m.exec(dockerfile);
    commands.push(['Dockerfile CMD', JSON.parse(cmd![1]!) as string[]]);
    for (const [where, args] of commands) {
      assert.equal(args[0], 'run', `${where} runs the daemon`);
      assert.equal(flag(args, '--config'), '/etc/flup-bridge/config.yaml', where);
      const role = flag(args, '--role');
      if (role !== undefined)
        assert.ok(['all', 'ingest', 'worker'].includes(role), `${where}: --role ${role}`);
      assert.doesNotThrow(
        () => loadConfig({ env: {}, overrides: { role: role ?? 'all', 'source.kind': 'mqtt' } }),
        where,
      );
    }
    assert.deepEqual(
      deployments.map((d) => [
        d.metadata.name,
        d.spec.replicas,
        flag(d.spec.template.spec.containers[0].args, '--role'),
      ]),
      [
        ['flup-bridge-ingest', 2, 'ingest'],
        ['flup-bridge-worker', 2, 'worker'],
      ],
    );
    // The CLI documents --role for `run`.
    let usage = '';
    const sink = new Writable({ write: (c, _e, cb) => ((usage += String(c)), cb()) });
    assert.equal(
      await main(['run', '--help'], {
        stdout: sink as typeof process.stdout,
        stderr: sink as typeof process.stderr,
      }),
      0,
    );
    assert.match(usage, /--role all\|ingest\|worker/);
    // ConfigMap mounted where --config points.
    for (const c of containers) {
      assert.ok(c.volumeMounts.some((m: Doc) => m.name === 'config' && m.mountPath === '/etc/flup-bridge'));
    }
    assert.ok((bridge.volumes as string[]).some((v) => v.includes(':/etc/flup-bridge/config.yaml')));
  });

  it('stop the systemd restart loop on the config-error exit code', async () => {
    const quiet = new Writable({ write: (_c, _e, cb) => cb() });
    const code = await main(['run', '--config', join(tmpdir(), 'flup-no-such-config.yaml')], {
      stdout: quiet as typeof process.stdout,
      stderr: quiet as typeof process.stderr,
    });
    assert.equal(code, 78);
    assert.match(unit, new RegExp(`^RestartPreventExitStatus=${code}$`, 'm'));
    assert.match(unit, /^Restart=on-failure$/m);
    assert.match(unit, /^User=flup-bridge$/m);
    assert.match(unit, /^EnvironmentFile=/m);
  });

  it('ship a config that loads, the same in deploy/config.yaml and the ConfigMap', () => {
    const configMap = k8s.find((d) => d.kind === 'ConfigMap')!;
    const fromMap = parse(configMap.data['config.yaml'] as string) as Doc;
    const fromFile = parse(read('deploy/config.yaml')) as Doc;
    assert.deepEqual(fromMap, fromFile, 'deploy/k8s/configmap.yaml and deploy/config.yaml differ');

    // secretFile paths must be secrets the deployments mount.
    const secret = k8s.find((d) => d.kind === 'Secret')!;
    const files = (fromFile.webhooks as Doc[]).map((w) => w.secretFile as string);
    for (const file of files) {
      assert.match(file, /^\/run\/secrets\/[a-z_]+$/);
      const name = file.split('/').pop()!;
      assert.ok(name in secret.stringData, `k8s Secret has ${name}`);
      assert.ok((bridge.secrets as string[]).includes(name), `compose mounts ${name}`);
    }
    for (const c of containers) {
      assert.ok(c.volumeMounts.some((m: Doc) => m.name === 'secrets' && m.mountPath === '/run/secrets'));
      for (const e of c.env as Doc[]) {
        if (e.name.endsWith('_FILE'))
          assert.ok(String(e.value).split('/').pop()! in secret.stringData, `${e.name} in Secret`);
      }
    }
    for (const [name, value] of Object.entries(bridge.environment as Record<string, string>)) {
      if (name.endsWith('_FILE'))
        assert.ok((bridge.secrets as string[]).includes(value.split('/').pop()!), `compose mounts ${value}`);
    }

    // The config itself validates (secret files replaced by temporary ones).
    const dir = mkdtempSync(join(tmpdir(), 'flup-deploy-'));
    try {
      for (const w of fromFile.webhooks as Doc[]) {
        const path = join(dir, String(w.id));
        writeFileSync(path, `whsec_${Buffer.alloc(24, 7).toString('base64')}\n`);
        w.secretFile = path;
      }
      const file = join(dir, 'config.yaml');
      writeFileSync(file, JSON.stringify(fromFile));
      const config = loadConfig({ file, env: { FLUP_LH_CLIENT_KEY: 'k', FLUP_LH_CLIENT_SECRET: 's' } });
      assert.deepEqual(
        config.webhooks.map((w) => w.id),
        ['ops', 'disruptions'],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('run Redis durably in compose and set graceful stop times above the shutdown timeout', () => {
    const command = (compose.services.redis.command as string[]).join(' ');
    assert.match(command, /--appendonly yes/);
    assert.match(command, /--appendfsync everysec/);
    assert.match(command, /--maxmemory-policy noeviction/);
    const shutdownMs = Number([...leaves()].find(([p]) => p === 'delivery.shutdownTimeout')![1].default);
    assert.ok(parseInt(bridge.stop_grace_period, 10) * 1000 > shutdownMs);
    for (const d of deployments)
      assert.ok(d.spec.template.spec.terminationGracePeriodSeconds * 1000 > shutdownMs);
    assert.ok(parseInt(/^TimeoutStopSec=(\d+)s$/m.exec(unit)![1]!, 10) * 1000 > shutdownMs);
    assert.equal(bridge.init, true);
  });

  it('probe paths that the admin server answers', async () => {
    const paths = new Set<string>();
    for (const c of containers)
      for (const p of ['livenessProbe', 'readinessProbe', 'startupProbe']) paths.add(c[p].httpGet.path);
    for (const m of dockerfile.matchAll(/HEALTHCHECK[\s\S]*?'(\/[a-z]+)'/g)) paths.add(m[1]!);
    assert.deepEqual([...paths].sort(), ['/healthz', '/readyz']);
    const deps = testDeps(adminConfig());
    const server = new AdminServer({ deps, sources: {} });
    await server.start();
    try {
      // /readyz turns 200 once the Redis connection is up.
      for (const path of paths)
        await waitFor(async () => (await fetch(server.url + path)).status === 200, 10_000, path);
    } finally {
      await server.stop();
      deps.redis.disconnect();
    }
  });

  it('build the image from the files the package builds from', () => {
    const pkg = JSON.parse(read('package.json')) as { bin: Record<string, string> };
    const entry = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile);
    assert.deepEqual(JSON.parse(entry![1]!), ['node', pkg.bin['flup-bridge']]);
    assert.match(dockerfile, /^FROM \$\{NODE_IMAGE\} AS build$/m);
    assert.match(dockerfile, /^ARG NODE_IMAGE=node:24-[a-z]+-slim$/m);
    assert.match(dockerfile, /npm ci --omit=dev --ignore-scripts/);
    assert.match(dockerfile, /^USER node$/m);
    const ignored = read('.dockerignore').split('\n');
    for (const needed of [
      'src',
      'config',
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      'tsconfig.build.json',
    ]) {
      assert.ok(!ignored.includes(needed), `.dockerignore must not exclude ${needed}`);
    }
  });
});
