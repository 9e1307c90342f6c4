/**
 * What the smoke test talks to: the API's base URL, and the ingest route
 * with its token when the deployment has one. From a stack's outputs (read
 * with the caller's credentials) or from the command line.
 */
import { regionOfUrl } from '../client/sigv4.js';
import { stackOutputs } from '../apps/stack-outputs.js';
import { secretStringReader } from '../../functions/secrets.js';
import type { SmokeOptions } from './options.js';

export type SmokeTarget = {
  apiUrl: string;
  region: string;
  /** Where a synthetic EMQX webhook goes, or why there is none. */
  ingest: { url: string; token: string } | { skipped: string };
};

const trimSlash = (url: string) => url.replace(/\/+$/, '');

function regionOf(apiUrl: string, given: string | undefined, env: NodeJS.ProcessEnv): string {
  return given ?? regionOfUrl(apiUrl) ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
}

export async function resolveSmokeTarget(options: Extract<SmokeOptions, { help: false }>, env: NodeJS.ProcessEnv = process.env): Promise<SmokeTarget> {
  if ('api' in options.target) {
    const apiUrl = trimSlash(options.target.api);
    return {
      apiUrl,
      region: regionOf(apiUrl, options.region, env),
      ingest: options.ingestToken
        ? { url: `${apiUrl}/ingest/emqx`, token: options.ingestToken }
        : { skipped: 'no --ingest-token given (npm start prints it; a deployed EMQX stack keeps it in its IngestTokenSecretArn secret)' },
    };
  }
  const region = options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) throw new Error('no AWS region: give --region or set AWS_REGION');
  const outputs = await stackOutputs({ stackName: options.target.stack, region });
  if (!outputs.ApiUrl) throw new Error(`stack ${options.target.stack} has no ApiUrl output: is it a clients API stack?`);
  const apiUrl = trimSlash(outputs.ApiUrl);
  const ingestUrl = outputs.IngestUrl ? trimSlash(outputs.IngestUrl) : `${apiUrl}/ingest/emqx`;
  if (options.ingestToken) return { apiUrl, region, ingest: { url: ingestUrl, token: options.ingestToken } };
  if (!outputs.IngestTokenSecretArn) {
    return { apiUrl, region, ingest: { skipped: 'the stack takes no EMQX webhooks (its broker reports through AWS IoT rules or its own writer)' } };
  }
  const token = (await secretStringReader(region, outputs.IngestTokenSecretArn)())?.trim();
  if (!token) return { apiUrl, region, ingest: { skipped: `the ingest token secret ${outputs.IngestTokenSecretArn} is empty: fill it (DEPLOY.md)` } };
  return { apiUrl, region, ingest: { url: ingestUrl, token } };
}
