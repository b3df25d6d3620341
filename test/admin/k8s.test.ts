/**
 * The Kubernetes manifests parse (as Kubernetes reads them: YAML 1.1, where 0440 is octal) and are
 * safe to apply: the Secret is readable by the container user, the two ingest replicas spread over
 * nodes, and images carry the package version rather than :latest.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const K8S = join(ROOT, 'deploy/k8s');
type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const files = readdirSync(K8S).filter((f) => /\.ya?ml$/.test(f));
const docs: Array<{ file: string; doc: Doc }> = files.flatMap((file) =>
  parseAllDocuments(readFileSync(join(K8S, file), 'utf8'), { version: '1.1' }).map((d) => {
    assert.deepEqual(d.errors, [], `${file} parses`);
    return { file, doc: d.toJS() as Doc };
  }),
);
const deployments = docs.filter(({ doc }) => doc.kind === 'Deployment');
const CONTAINER_UID = 1000;

describe('Kubernetes manifests', () => {
  it('every document has apiVersion, kind and a name', () => {
    assert.ok(docs.length >= 8, `found ${docs.length} documents`);
    for (const { file, doc } of docs) {
      assert.ok(typeof doc.apiVersion === 'string' && typeof doc.kind === 'string', file);
      assert.match(String(doc.metadata?.name), /^flup-bridge(-[a-z]+)*$/, `${file}: ${doc.kind} name`);
    }
    const kinds = new Set(docs.map(({ doc }) => doc.kind));
    for (const kind of ['Deployment', 'Service', 'Secret', 'ConfigMap', 'ServiceMonitor'])
      assert.ok(kinds.has(kind), `a ${kind}`);
  });

  it('mount the Secret so the container user can read it', () => {
    assert.equal(deployments.length, 2);
    for (const { file, doc } of deployments) {
      const pod = doc.spec.template.spec as Doc;
      assert.equal(pod.securityContext.runAsUser, CONTAINER_UID, file);
      const fsGroup = pod.securityContext.fsGroup as number;
      assert.equal(fsGroup, CONTAINER_UID, `${file}: fsGroup gives the secret files the user's group`);
      assert.equal(pod.securityContext.runAsGroup, fsGroup, file);
      const volume = (pod.volumes as Doc[]).find((v) => v.secret)!;
      const mode = volume.secret.defaultMode as number;
      assert.equal(typeof mode, 'number', `${file}: defaultMode`);
      assert.ok(mode & 0o040, `${file}: defaultMode ${mode.toString(8)} lets the group read`);
      assert.equal(mode & 0o007, 0, `${file}: defaultMode ${mode.toString(8)} hides the files from others`);
      assert.equal(mode & 0o222, 0, `${file}: defaultMode ${mode.toString(8)} is read-only`);
    }
  });

  it('spread the ingest replicas over nodes', () => {
    const ingest = deployments.find(({ doc }) => doc.metadata.name === 'flup-bridge-ingest')!.doc;
    assert.ok(ingest.spec.replicas >= 2);
    const pod = ingest.spec.template as Doc;
    const constraints = (pod.spec.topologySpreadConstraints ?? []) as Doc[];
    const byHost = constraints.find((c) => c.topologyKey === 'kubernetes.io/hostname');
    assert.ok(byHost, 'a spread over kubernetes.io/hostname');
    assert.equal(byHost.maxSkew, 1);
    assert.equal(byHost.whenUnsatisfiable, 'DoNotSchedule');
    for (const c of constraints)
      assert.deepEqual(c.labelSelector.matchLabels, pod.metadata.labels, 'selects the ingest pods');
  });

  it('run the image tagged with the package version', () => {
    for (const { file, doc } of deployments) {
      for (const c of doc.spec.template.spec.containers as Doc[]) {
        const [, tag] = String(c.image).split(':');
        assert.equal(tag, version, `${file}: ${c.image}`);
      }
    }
  });

  it('ServiceMonitor scrapes the Service port that serves /metrics', () => {
    const monitor = docs.find(({ doc }) => doc.kind === 'ServiceMonitor')!.doc;
    const service = docs.find(
      ({ doc }) => doc.kind === 'Service' && doc.metadata.name === 'flup-bridge-metrics',
    )!.doc;
    for (const [k, v] of Object.entries(monitor.spec.selector.matchLabels as Record<string, string>))
      assert.equal(service.metadata.labels[k], v, `selects the Service by ${k}`);
    const ports = (service.spec.ports as Doc[]).map((p) => p.name);
    for (const e of monitor.spec.endpoints as Doc[]) {
      assert.ok(ports.includes(e.port), `port ${e.port}`);
      assert.equal(e.path, service.metadata.annotations['prometheus.io/path']);
    }
  });
});
