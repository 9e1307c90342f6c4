/**
 * The API Gateway HTTP API (payload format 2.0) event, checked field by field
 * as Powertools' APIGatewayProxyEventV2Schema does, on `zod/mini` so that a
 * handler bundle carries only the validators it uses (full `zod` and the
 * Powertools schema collection are half a bundle and a third of its cold start).
 */
import * as z from 'zod/mini';

const stringRecord = z.record(z.string(), z.string());
const stringArray = z.array(z.string());
const httpMethod = z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);

const clientCert = z.object({
  clientCertPem: z.string(),
  subjectDN: z.string(),
  issuerDN: z.string(),
  serialNumber: z.string(),
  validity: z.object({ notBefore: z.string(), notAfter: z.string() }),
});

const authorizer = z.object({
  jwt: z.optional(z.object({ claims: z.record(z.string(), z.any()), scopes: z.nullable(stringArray) })),
  iam: z.optional(
    z.object({
      accessKey: z.optional(z.string()),
      accountId: z.optional(z.string()),
      callerId: z.optional(z.string()),
      principalOrgId: z.nullish(z.string()),
      userArn: z.optional(z.string()),
      userId: z.optional(z.string()),
      cognitoIdentity: z.nullish(z.object({ amr: stringArray, identityId: z.string(), identityPoolId: z.string() })),
    }),
  ),
  lambda: z.nullish(z.record(z.string(), z.any())),
});

const requestContext = z.object({
  accountId: z.string(),
  apiId: z.string(),
  authorizer: z.optional(authorizer),
  authentication: z.nullish(z.object({ clientCert: z.optional(clientCert) })),
  domainName: z.string(),
  domainPrefix: z.string(),
  http: z.object({
    method: httpMethod,
    path: z.string(),
    protocol: z.string(),
    sourceIp: z.union([z.ipv4(), z.ipv6()]),
    userAgent: z.string(),
  }),
  requestId: z.string(),
  routeKey: z.string(),
  stage: z.string(),
  time: z.string(),
  timeEpoch: z.number(),
});

export const HttpApiEventSchema = z.object({
  // Payload format 2.0 only: a 1.0 event has other fields under the same names.
  version: z.string().check(z.refine((version) => version === '2.0', 'payload format version must be 2.0')),
  routeKey: z.string(),
  rawPath: z.string(),
  rawQueryString: z.string(),
  cookies: z.optional(stringArray),
  headers: stringRecord,
  queryStringParameters: z.optional(stringRecord),
  requestContext,
  body: z.optional(z.string()),
  pathParameters: z.nullish(stringRecord),
  isBase64Encoded: z.boolean(),
  stageVariables: z.nullish(stringRecord),
});

export type HttpEvent = z.infer<typeof HttpApiEventSchema>;
