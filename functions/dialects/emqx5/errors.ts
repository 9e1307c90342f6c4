/**
 * EMQX 5's error answers: `{code, message}` with a string code
 * (apps/emqx/include/http_api.hrl). A request EMQX's schema check refuses
 * is BAD_REQUEST (emqx_dashboard_swagger.erl:378); a value of the wrong type
 * for its query conversion is INVALID_PARAMETER (emqx_mgmt_api_clients.erl:951).
 */
import { describeFailure, unreachable, type FailureReason } from '../../failures.js';
import { jsonResponse, type HttpResponse } from '../../http/response.js';

export type Emqx5Code =
  | 'BAD_REQUEST'
  | 'INVALID_PARAMETER'
  | 'CLIENTID_NOT_FOUND'
  | 'NOT_FOUND'
  | 'SERVICE_UNAVAILABLE'
  | 'INTERNAL_ERROR'
  | 'BAD_API_KEY_OR_SECRET'
  | 'UNAUTHORIZED_ROLE';

/** An API key whose role may not call the route: emqx_dashboard.erl's api_key_authorize, ?API_KEY_NOT_ALLOW_MSG (emqx_dashboard.hrl). */
export const UNAUTHORIZED_ROLE = { code: 'UNAUTHORIZED_ROLE', message: "This API Key don't have permission to access this resource" } as const;

/** emqx_mgmt_api_clients.erl:98-101. */
export const CLIENTID_NOT_FOUND = { code: 'CLIENTID_NOT_FOUND', message: 'Client ID not found' } as const;

/** The message of a query value EMQX's parse_qstring cannot convert (emqx_mgmt_api_clients.erl:952-957). */
export const typeMismatch = (parameter: string, type: string, value: string) =>
  `the ${parameter} parameter expected type is ${type}, but the value is ${value}`;

/** Parameters checked by parse_qstring's conversion rather than by the schema: their errors are INVALID_PARAMETER. */
const CONVERTED = new Set(['ip_address', 'proto_ver']);

export const emqx5Error = (status: number, code: Emqx5Code, message: string, headers: Record<string, string> = {}): HttpResponse =>
  jsonResponse(status, { code, message }, headers);

/** Out of reach for now: the caller may try again. */
export const serviceUnavailable = (message: string) => emqx5Error(503, 'SERVICE_UNAVAILABLE', message, { 'Retry-After': '1' });

export function renderEmqx5Error(reason: FailureReason): HttpResponse {
  switch (reason.kind) {
    case 'invalid-parameter':
      // The conversion's message is the whole answer; any other refusal (a bulk body that is not an
      // array of clientids, an over-long clientid) is a schema refusal naming the parameter.
      return CONVERTED.has(reason.parameter)
        ? emqx5Error(400, 'INVALID_PARAMETER', reason.accepts)
        : emqx5Error(400, 'BAD_REQUEST', describeFailure(reason));
    case 'bad-cursor':
      // list_clients_v2: a cursor that does not parse is ?BAD_REQUEST(<<"bad cursor">>) (emqx_mgmt_api_clients.erl:974).
      return emqx5Error(400, 'BAD_REQUEST', 'bad cursor');
    case 'offset-too-deep':
      return emqx5Error(400, 'BAD_REQUEST', describeFailure(reason));
    case 'response-too-large':
      // A page over the response limit "exceeds the boundary value".
      return emqx5Error(400, 'INVALID_PARAMETER', describeFailure(reason));
    case 'client-not-found':
      return jsonResponse(404, CLIENTID_NOT_FOUND);
    case 'forbidden':
      return jsonResponse(403, UNAUTHORIZED_ROLE);
    case 'store-busy':
    case 'deadline-exceeded':
    case 'broker-unavailable':
      return serviceUnavailable(describeFailure(reason));
    case 'internal':
      return emqx5Error(500, 'INTERNAL_ERROR', describeFailure(reason));
    default:
      return unreachable(reason);
  }
}
