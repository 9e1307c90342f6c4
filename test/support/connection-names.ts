/**
 * Node names and connection ids as the connection key (`<ms>#<node>#<conn_id>`,
 * compared byte by byte) must order them: of different lengths, one the prefix
 * of another, with characters that sort before '#' (space, '!', '"'), after it,
 * and beyond ASCII. Connection ids may hold '#' (AWS IoT's do); node names
 * never do, as the sources refuse them: '#' ends the node part of the key.
 */
import fc from 'fast-check';

const NODE_UNITS = ['n', 'o', ' ', '!', '"', '$', '-', '@', '.', 'é', '😀'] as const;
const CONN_ID_UNITS = ['c', '#', ' ', '!', '"', '0', '9', '-', 'é'] as const;

export const nodeNameArbitrary: fc.Arbitrary<string> = fc.string({ unit: fc.constantFrom(...NODE_UNITS), minLength: 1, maxLength: 6 });

/** Connection ids, empty included (EMQX names a connection by node and connect time alone). */
export const connIdArbitrary: fc.Arbitrary<string> = fc.string({ unit: fc.constantFrom(...CONN_ID_UNITS), minLength: 0, maxLength: 6 });
