/**
 * The API handlers' bundles, built exactly as the stack builds them, stay
 * near the floor (a bundle holding only the DynamoDB document client, built
 * the same way here): no full `zod`, and no more bytes over the floor than
 * each handler's ceiling. Sizes only; import times are the benchmark's.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../infra/aws/team-function.js';
import { API_HANDLERS, buildBundle, FLOOR, fullZodInputs, type BuiltBundle } from '../bench/bundles.js';

const KB = 1024;
/**
 * Bytes a handler may carry over the floor. The goal is 100 KB each; these
 * ceilings are today's sizes (list 108, get 112, kick 125 KB: the get function also reads a shown client's live counters through EMQX's API, the kick function answers EMQX 4.4's ACL cache and subscribe calls through it) with a little
 * room, so that growth fails here and every cut can lower them. The channels the kick function loads only
 * at its first kick (mqtt.js, Secrets Manager, IoT data) are chunks beside
 * the bundle (functions/chunks.ts), not counted here.
 */
const CEILING_OVER_FLOOR: Record<(typeof API_HANDLERS)[number], number> = {
  'list-clients': 115 * KB,
  'get-client': 116 * KB,
  'kick-client': 128 * KB,
};

let outdir: string;
let floor: BuiltBundle;
const bundles = new Map<string, BuiltBundle>();

beforeAll(async () => {
  outdir = await mkdtemp(join(tmpdir(), 'bundle-size-'));
  floor = await buildBundle(PROJECT_ROOT, outdir, FLOOR);
  for (const handler of API_HANDLERS) bundles.set(handler, await buildBundle(PROJECT_ROOT, outdir, handler));
}, 60_000);

afterAll(async () => {
  if (outdir) await rm(outdir, { recursive: true, force: true });
});

describe('API handler bundles', () => {
  it('build a floor that holds the DynamoDB client and no zod', () => {
    const inputs = Object.keys(floor.metafile.inputs);
    expect(inputs.some((input) => input.includes('@aws-sdk/client-dynamodb/'))).toBe(true);
    expect(inputs.some((input) => input.includes('/zod/'))).toBe(false);
  });

  it.each(API_HANDLERS)('%s holds zod/mini only, never full zod or its locales', (handler) => {
    const bundle = bundles.get(handler)!;
    expect(Object.keys(bundle.metafile.inputs).some((input) => input.includes('zod/v4/mini/'))).toBe(true);
    expect(fullZodInputs(bundle.metafile)).toEqual([]);
  });

  it.each(API_HANDLERS)('%s stays within its bytes over the floor', (handler) => {
    const over = bundles.get(handler)!.bytes - floor.bytes;
    expect(over, `${handler}: ${Math.round(over / KB)} KB over the floor`).toBeLessThanOrEqual(CEILING_OVER_FLOOR[handler]);
  });

  it('recognises full zod in a metafile', () => {
    const metafile = (inputs: string[]) => ({ inputs: {}, outputs: { 'x.mjs': { bytes: 1, imports: [], exports: [], inputs: Object.fromEntries(inputs.map((input) => [input, { bytesInOutput: 1 }])) } } });
    expect(fullZodInputs(metafile(['node_modules/zod/v4/classic/schemas.js', 'node_modules/zod/v4/locales/de.js']))).toHaveLength(2);
    expect(fullZodInputs(metafile(['node_modules/zod/v4/mini/schemas.js', 'node_modules/zod/v4/locales/en.js']))).toEqual([]);
  });
});
