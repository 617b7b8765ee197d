// The WebAuthnJSON scalar: the JSON forms of WebAuthn Level 3 (the options a start… returns, the
// credential.toJSON() a finish… takes). On input also a string holding such an object, for
// clients that keep the JSON as text; at most 16 KiB either way, so a hostile answer costs nothing.
import { GraphQLError, Kind, valueFromASTUntyped } from 'graphql';

export type WebAuthnJson = Record<string, unknown>;

export const WEBAUTHN_JSON_MAX_BYTES = 16 * 1024;

export function parseWebAuthnJson(value: unknown): WebAuthnJson {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  if (text === undefined || Buffer.byteLength(text) > WEBAUTHN_JSON_MAX_BYTES) {
    throw new GraphQLError(`WebAuthnJSON: at most ${WEBAUTHN_JSON_MAX_BYTES} bytes of JSON`);
  }
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      throw new GraphQLError('WebAuthnJSON: the string does not hold JSON');
    }
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new GraphQLError('WebAuthnJSON: must be a JSON object (credential.toJSON()), or a string holding one');
  }
  return parsed as WebAuthnJson;
}

export const webAuthnJsonScalar = {
  description:
    'A WebAuthn Level 3 JSON object: PublicKeyCredentialCreationOptionsJSON or PublicKeyCredentialRequestOptionsJSON in answers, ' +
    'credential.toJSON() in inputs. On input also a string holding such an object. At most 16 KiB.',
  serialize: (value: unknown) => value,
  parseValue: parseWebAuthnJson,
  parseLiteral: (ast: Parameters<typeof valueFromASTUntyped>[0], variables?: Parameters<typeof valueFromASTUntyped>[1]) => {
    if (ast.kind !== Kind.OBJECT && ast.kind !== Kind.STRING) throw new GraphQLError('WebAuthnJSON: must be an object or a string');
    return parseWebAuthnJson(valueFromASTUntyped(ast, variables));
  },
};
