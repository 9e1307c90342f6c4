/**
 * The chunks as deployed: the stack synthesized once with real local bundling
 * (an EMQX 5 source, so that all seven functions exist), then, for every
 * function, each `*.chunk.js` its `index.js` requires is in its asset
 * directory with its source map, loads with `require`, and exports what
 * functions/chunks.ts loads it for; the asset holds no other chunk; and the
 * kick function's `index.js` holds no mqtt.js code.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import type { CfnElement } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { chunkSource, chunksRequiredBy } from '../../infra/aws/build-chunks.js';
import { ClientsApiStack } from '../../infra/aws/stack.js';
import { PROJECT_ROOT, TEAM_BUNDLE_FILE, TeamFunction } from '../../infra/aws/team-function.js';

// Bundling must be local: a Docker fallback would fail loudly.
process.env.CDK_DOCKER = '/nonexistent/docker-is-not-used';

type Json = Record<string, unknown>;
type Deployed = { id: string; assetDir: string; code: string; chunks: string[] };

/** Markers of mqtt.js and mqtt-packet code (error texts, the default client id prefix). */
const MQTT_MARKERS = ['Invalid protocolId', 'Invalid header flag bits', 'mqttjs_'];

/** The chunk paths functions/chunks.ts imports, as written there. */
const LOADED_BY_CHUNKS_MODULE = [...readFileSync(join(PROJECT_ROOT, 'functions', 'chunks.ts'), 'utf8').matchAll(/import\('(\.\/[^']+\.chunk\.js)'\)/g)].map((m) => m[1]!);

const chunkFiles = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.chunk.js'))
    .map((file) => `./${file.split('\\').join('/')}`)
    .sort();

let deployed: Deployed[];

beforeAll(() => {
  const app = new App({ context: { broker: 'emqx5', emqxApiUrl: 'https://emqx.internal:18083', emqxApiSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:emqx-api-AbCdEf' } });
  const stack = new ClientsApiStack(app, 'ChunksTest');
  const assembly = app.synth();
  const resources = (assembly.getStackArtifact(stack.artifactId).template as { Resources: Record<string, Json> }).Resources;
  deployed = stack.node
    .findAll()
    .filter((c): c is TeamFunction => c instanceof TeamFunction)
    .map((fn) => {
      const logicalId = stack.getLogicalId(fn.node.defaultChild as CfnElement);
      const s3Key = ((resources[logicalId]!.Properties as Json).Code as Json).S3Key as string;
      const assetDir = join(assembly.directory, `asset.${s3Key.replace(/\.zip$/, '')}`);
      const code = readFileSync(join(assetDir, TEAM_BUNDLE_FILE), 'utf8');
      return { id: fn.node.id, assetDir, code, chunks: chunksRequiredBy(code) };
    });
}, 240_000);

describe('chunks in the synthesized stack', () => {
  it('bundles every function, and the chunks functions/chunks.ts loads are the ones bundles require', () => {
    expect(deployed.map((d) => d.id).sort()).toEqual(['AggregateCounters', 'AuthorizeApp', 'ExpireSessions', 'GetClient', 'IngestEmqx', 'KickClient', 'ListClients', 'ReconcileSessions']);
    expect(LOADED_BY_CHUNKS_MODULE.length).toBeGreaterThan(0);
    for (const d of deployed) for (const chunk of d.chunks) expect(LOADED_BY_CHUNKS_MODULE, `${d.id} requires ${chunk}`).toContain(chunk);
  });

  it('gives each function exactly the chunks its index.js requires, each with its source map', () => {
    for (const d of deployed) {
      expect(chunkFiles(d.assetDir), d.id).toEqual(d.chunks);
      for (const chunk of d.chunks) expect(existsSync(join(d.assetDir, `${chunk}.map`)), `${d.id}: ${chunk}.map`).toBe(true);
    }
  });

  it('builds chunks that load with require and export what their sources export', async () => {
    const checked = new Set<string>();
    for (const d of deployed) {
      const load = createRequire(join(d.assetDir, TEAM_BUNDLE_FILE));
      for (const chunk of d.chunks) {
        const built = load(chunk) as Record<string, unknown>;
        const source = (await import(chunkSource(chunk))) as Record<string, unknown>;
        const expected = Object.keys(source).filter((name) => name !== 'default');
        expect(expected.length, chunk).toBeGreaterThan(0);
        for (const name of expected) expect(typeof built[name], `${d.id}: ${chunk} exports ${name}`).toBe(typeof source[name]);
        checked.add(chunk);
      }
    }
    // The kick function alone needs all three vendor chunks; others need fewer.
    expect([...checked].sort()).toEqual(expect.arrayContaining(['./vendor/iot-data-plane.chunk.js', './vendor/mqtt.chunk.js', './vendor/secrets-manager.chunk.js']));
  });

  it('keeps mqtt.js out of the kick function’s index.js, in its mqtt chunk', () => {
    const kick = deployed.find((d) => d.id === 'KickClient')!;
    expect(kick.chunks).toContain('./vendor/mqtt.chunk.js');
    const mqttChunk = readFileSync(join(kick.assetDir, 'vendor', 'mqtt.chunk.js'), 'utf8');
    for (const marker of MQTT_MARKERS) {
      expect(mqttChunk, `the mqtt chunk holds "${marker}"`).toContain(marker);
      expect(kick.code, `index.js holds "${marker}"`).not.toContain(marker);
    }
  });
});
