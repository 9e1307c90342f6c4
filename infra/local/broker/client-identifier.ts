/**
 * Client identifiers this node refuses at CONNECT. MQTT forbids U+0000 in
 * every UTF-8 string of a packet (3.1.1 §1.5.3, [MQTT-1.5.3-2]; 5.0 §1.5.4),
 * and such an id could never be named in the API's URLs or shown by EMQX's
 * tooling, so the CONNECT is answered "identifier rejected" (MQTT 5: 0x85
 * "Client Identifier not valid") instead of opening a session nobody can see.
 */
import type { AedesOptions, AuthenticateError } from 'aedes';

/** CONNACK return code 2 of MQTT 3.1.1, which aedes maps to MQTT 5's 0x85. */
export const IDENTIFIER_REJECTED = 2;

type Authenticate = NonNullable<AedesOptions['authenticate']>;

/** Why a client identifier is refused, or undefined when it is acceptable. */
export function clientIdentifierProblem(clientid: string): string | undefined {
  return clientid.includes('\u0000') ? 'client identifier not valid: it contains U+0000' : undefined;
}

/** aedes' authenticate hook, refusing bad client identifiers before `next` looks at the credentials. */
export function refuseInvalidClientIds(next: Authenticate): Authenticate {
  return (client, username, password, done) => {
    const problem = clientIdentifierProblem(client.id);
    if (problem) return done(Object.assign(new Error(problem), { returnCode: IDENTIFIER_REJECTED }) as AuthenticateError, false);
    next(client, username, password, done);
  };
}
