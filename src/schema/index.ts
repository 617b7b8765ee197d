// Imports every domain file (each registers its types on the builder) and builds the schema.
import { builder } from './builder.ts';
import './scalars.ts';
import './user.ts';
import './session.ts';
import './auth.ts';
import './dashboard.ts';
import './password-reset.ts';
import './account.ts';
import './password-change.ts';
import './email.ts';
import './security-events.ts';
import './two-factor.ts';
import './passkeys.ts';
import './providers.ts';

export const schema = builder.toSchema({ sortSchema: false });
