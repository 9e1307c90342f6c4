/**
 * EMQX 5's error answers: `{code, message}` with a string code
 * (apps/emqx/include/http_api.hrl). A request EMQX's schema check refuses
 * is BAD_REQUEST (emqx_dashboard_swagger.erl:378); a value of the wrong type
 * for its query conversion is INVALID_PARAMETER (emqx_mgmt_api_clients.erl:951).
 */
import { ApiError } from '../../http/errors.js';
import { jsonResponse, type HttpResponse } from '../../http/response.js';

export type Emqx5Code = 'BAD_REQUEST' | 'INVALID_PARAMETER' | 'CLIENTID_NOT_FOUND' | 'SERVICE_UNAVAILABLE' | 'INTERNAL_ERROR' | 'BAD_API_KEY_OR_SECRET';

/** An error already in EMQX 5's terms; its numeric code keeps the native meaning for logs and metrics. */
export class Emqx5Error extends ApiError {
  constructor(
    status: number,
    readonly emqxCode: Emqx5Code,
    message: string,
    headers: Record<string, string> = {},
  ) {
    super(status, status === 400 ? 108 : status === 404 ? 112 : status === 503 ? 101 : 102, message, headers);
  }
}

/** emqx_mgmt_api_clients.erl:98-101. */
export const CLIENTID_NOT_FOUND = { code: 'CLIENTID_NOT_FOUND', message: 'Client ID not found' } as const;

/** The message of a query value EMQX's parse_qstring cannot convert (emqx_mgmt_api_clients.erl:952-957). */
export const typeMismatch = (parameter: string, type: string, value: string) =>
  `the ${parameter} parameter expected type is ${type}, but the value is ${value}`;

/** The domain's cursor errors name the native parameter; EMQX answers any bad cursor alike. */
const CURSOR_ERROR = /^invalid parameter _cursor:/;

/** The code EMQX 5 answers for a domain error of this status. */
function codeOf(error: ApiError): Emqx5Code {
  switch (error.status) {
    case 400:
      // A page over the response limit "exceeds the boundary value"; any other refusal of the request
      // (a bulk body that is not an array of clientids, an over-long clientid) is a schema refusal.
      // Told by name: handler.ts, which defines that error, imports the dialects.
      return error.name === 'ResponseTooLargeError' ? 'INVALID_PARAMETER' : 'BAD_REQUEST';
    case 401:
      return 'BAD_API_KEY_OR_SECRET';
    case 404:
      return 'CLIENTID_NOT_FOUND';
    case 503:
      return 'SERVICE_UNAVAILABLE';
    default:
      return error.status < 500 ? 'BAD_REQUEST' : 'INTERNAL_ERROR';
  }
}

export function renderEmqx5Error(error: ApiError): HttpResponse {
  if (error instanceof Emqx5Error) return jsonResponse(error.status, { code: error.emqxCode, message: error.message }, error.headers);
  // list_clients_v2: a cursor that does not parse is ?BAD_REQUEST(<<"bad cursor">>) (emqx_mgmt_api_clients.erl:974).
  if (error.status === 400 && CURSOR_ERROR.test(error.message)) return jsonResponse(400, { code: 'BAD_REQUEST', message: 'bad cursor' });
  if (error.status === 404 && error.code === 112) return jsonResponse(404, CLIENTID_NOT_FOUND);
  return jsonResponse(error.status, { code: codeOf(error), message: error.message }, error.headers);
}
