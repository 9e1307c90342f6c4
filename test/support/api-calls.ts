/** Calling the handler functions as API Gateway would, and reading their answers. */
import { expect } from 'vitest';
import type { ClientObject } from '../../functions/clients/render.js';
import type { ListMeta } from '../../functions/clients/list-clients.js';
import type { HttpResponse } from '../../functions/http/response.js';

export type HttpFunction = (event: unknown) => Promise<HttpResponse>;

export type JsonResponse<T> = { status: number; headers: Record<string, string>; body: T; raw: string };

export type ListResponseBody = { code: number; data: ClientObject[]; meta: ListMeta };
export type GetResponseBody = { code: number; data: ClientObject[] };
export type ErrorBody = { code: number; message: string };

export async function invoke<T>(handler: HttpFunction, event: unknown): Promise<JsonResponse<T>> {
  const response = await handler(event);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers ?? {})) headers[name.toLowerCase()] = String(value);
  return { status: response.statusCode, headers, body: JSON.parse(response.body) as T, raw: response.body };
}

/** An error response as the API promises it: the status, and exactly `{code, message}` with no internals. */
export function expectApiError(
  response: JsonResponse<unknown>,
  status: number,
  code: number,
  messageIncludes?: string,
): ErrorBody {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toBe('application/json');
  const body = response.body as ErrorBody;
  expect(Object.keys(body).sort()).toEqual(['code', 'message']);
  expect(body.code).toBe(code);
  expect(typeof body.message).toBe('string');
  if (messageIncludes !== undefined) expect(body.message).toContain(messageIncludes);
  expect(response.raw).not.toMatch(/\bat .+\.(ts|js|mjs):\d+/);
  expect(response.raw).not.toContain('stack');
  return body;
}
