/**
 * The outputs of a deployed stack (`AppsTableName`, `ApiUrl`), read with
 * CloudFormation's DescribeStacks: one Query API call, signed with SigV4 and
 * the caller's credentials (the default AWS chain), without a CloudFormation
 * SDK client. `AWS_ENDPOINT_URL_CLOUDFORMATION` points it elsewhere, as it
 * does the AWS SDKs and CLI.
 */
import { sigV4Signer, type SigV4Options } from '../client/sigv4.js';

export type StackOutputsOptions = {
  stackName: string;
  region: string;
  /** Default: `AWS_ENDPOINT_URL_CLOUDFORMATION`, else `https://cloudformation.<region>.amazonaws.com`. */
  endpoint?: string;
  credentials?: SigV4Options['credentials'];
  timeoutMs?: number;
};

const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function unescapeXml(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_, entity: string) =>
    entity.startsWith('#x')
      ? String.fromCodePoint(parseInt(entity.slice(2), 16))
      : entity.startsWith('#')
        ? String.fromCodePoint(Number(entity.slice(1)))
        : XML_ENTITIES[entity]!,
  );
}

const element = (xml: string, name: string) => new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(xml)?.[1];

/** `OutputKey` → `OutputValue` of the first stack in a DescribeStacks response. */
export function parseStackOutputs(xml: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const block = element(xml, 'Outputs') ?? '';
  for (const [, member] of block.matchAll(/<member>([\s\S]*?)<\/member>/g)) {
    const key = element(member!, 'OutputKey');
    const value = element(member!, 'OutputValue');
    if (key !== undefined && value !== undefined) outputs[unescapeXml(key)] = unescapeXml(value);
  }
  return outputs;
}

export async function stackOutputs(options: StackOutputsOptions): Promise<Record<string, string>> {
  const endpoint = options.endpoint ?? process.env.AWS_ENDPOINT_URL_CLOUDFORMATION ?? `https://cloudformation.${options.region}.amazonaws.com`;
  const url = new URL(endpoint);
  const body = new URLSearchParams({ Action: 'DescribeStacks', StackName: options.stackName, Version: '2010-05-15' }).toString();
  const sign = sigV4Signer({
    region: options.region,
    service: 'cloudformation',
    ...(options.credentials ? { credentials: options.credentials } : {}),
  });
  const headers = await sign({
    method: 'POST',
    url,
    path: url.pathname || '/',
    query: {},
    body,
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
  });
  const response = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(options.timeoutMs ?? 10_000) });
  const text = await response.text();
  if (!response.ok) {
    const message = element(text, 'Message');
    throw new Error(`DescribeStacks ${options.stackName} in ${options.region}: ${message ? unescapeXml(message) : `HTTP ${response.status}`}`);
  }
  return parseStackOutputs(text);
}

/** The apps table a deployed stack names in its `AppsTableName` output. */
export async function appsTableOfStack(options: StackOutputsOptions): Promise<string> {
  const table = (await stackOutputs(options)).AppsTableName;
  if (!table) throw new Error(`stack ${options.stackName} has no AppsTableName output (deployed before app credentials existed?): deploy it again, or give --table`);
  return table;
}
