import { DateTimeResolver } from 'graphql-scalars';
import { builder } from './builder.ts';
import { webAuthnJsonScalar } from './webauthn-json.ts';

builder.addScalarType('DateTime', DateTimeResolver);
builder.scalarType('WebAuthnJSON', webAuthnJsonScalar);
