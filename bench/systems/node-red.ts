/**
 * System 3: Node-RED 4.x (the last major that runs on Node 20), headless: no editor, no admin or
 * node HTTP endpoints. The flow is what a user would draw: mqtt in (QoS 1, auto-detect JSON) wired
 * to one "http request" node per webhook (POST, fixed URL, node defaults otherwise, so no
 * keep-alive). Installed by the harness into bench/.cache/node-red, not a project dependency.
 */
import { existsSync, openSync, closeSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnTracked, stopProcess } from '../lib/procs.js';
import { freePort } from '../lib/infra.js';
import type { RunningSystem, StartContext, SystemSpec } from './types.js';

function installDir(repoRoot: string): string {
  return join(repoRoot, 'bench', '.cache', 'node-red');
}

function redJs(repoRoot: string): string {
  return join(installDir(repoRoot), 'node_modules', 'node-red', 'red.js');
}

/** Installs node-red@4 into bench/.cache/node-red unless it is there already. */
export async function ensureNodeRed(repoRoot: string): Promise<string> {
  const dir = installDir(repoRoot);
  if (!existsSync(redJs(repoRoot))) {
    console.error(`installing node-red@4 into ${dir} (once) ...`);
    const child = spawnTracked(
      'npm install node-red',
      'npm',
      ['install', '--prefix', dir, 'node-red@4', '--no-audit', '--no-fund', '--loglevel', 'error'],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    );
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    if (code !== 0 || !existsSync(redJs(repoRoot))) {
      throw new Error(`npm install --prefix ${dir} node-red@4 failed (exit ${code}); skip it with --systems`);
    }
  }
  const pkg = JSON.parse(readFileSync(join(dir, 'node_modules', 'node-red', 'package.json'), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

function flows(ctx: StartContext, clientId: string): object[] {
  const { hostname, port } = new URL(ctx.mqttUrl);
  const requests = ctx.targets.map((url, i) => ({
    id: `http${i}`,
    type: 'http request',
    z: 'bench',
    name: `webhook ${i}`,
    method: 'POST',
    ret: 'txt',
    paytoqs: 'ignore',
    url,
    tls: '',
    persist: false,
    proxy: '',
    insecureHTTPParser: false,
    authType: '',
    senderr: false,
    headers: [],
    wires: [[]],
  }));
  return [
    { id: 'bench', type: 'tab', label: 'bench', disabled: false, info: '' },
    {
      id: 'broker',
      type: 'mqtt-broker',
      name: 'bench broker',
      broker: hostname,
      port,
      clientid: clientId,
      autoConnect: true,
      usetls: false,
      protocolVersion: '4',
      keepalive: '60',
      cleansession: true,
      autoUnsubscribe: true,
    },
    {
      id: 'in',
      type: 'mqtt in',
      z: 'bench',
      name: 'flight updates',
      topic: ctx.topic,
      qos: '1',
      datatype: 'auto-detect',
      broker: 'broker',
      nl: false,
      rap: true,
      rh: 0,
      inputs: 0,
      wires: [requests.map((r) => r.id)],
    },
    ...requests,
  ];
}

function settings(ctx: StartContext, uiPort: number): string {
  const value = {
    uiPort,
    uiHost: '127.0.0.1',
    httpAdminRoot: false,
    httpNodeRoot: false,
    disableEditor: true,
    flowFile: 'flows.json',
    flowFilePretty: false,
    credentialSecret: false,
    userDir: ctx.workDir,
    logging: { console: { level: 'warn', metrics: false, audit: false } },
    diagnostics: { enabled: false },
    runtimeState: { enabled: false },
    telemetry: { enabled: false },
    externalModules: { autoInstall: false },
    editorTheme: { projects: { enabled: false } },
  };
  return `module.exports = ${JSON.stringify(value, null, 2)};\n`;
}

export const nodeRed: SystemSpec = {
  id: 'nodered',
  label: 'Node-RED 4 (mqtt in → http request)',
  usesRedis: false,
  async start(ctx: StartContext): Promise<RunningSystem> {
    await ensureNodeRed(ctx.repoRoot);
    const clientId = `bench-nodered-${ctx.cell}`;
    writeFileSync(join(ctx.workDir, 'flows.json'), JSON.stringify(flows(ctx, clientId)));
    // Node-RED reads CommonJS settings; the repo is ESM, so give the file a .cjs name.
    const settingsFile = join(ctx.workDir, 'settings.cjs');
    writeFileSync(settingsFile, settings(ctx, await freePort()));
    const log = openSync(join(ctx.workDir, 'node-red.log'), 'a');
    const nodeArgs = ctx.profileDir ? ['--cpu-prof', '--cpu-prof-dir', ctx.profileDir] : [];
    const child = spawnTracked(
      'node-red',
      process.execPath,
      [...nodeArgs, redJs(ctx.repoRoot), '--userDir', ctx.workDir, '--settings', settingsFile],
      { stdio: ['ignore', log, log], cwd: ctx.workDir },
    );
    closeSync(log);
    return { pids: [child.pid!], clientIds: [clientId], stop: () => stopProcess(child) };
  },
};
