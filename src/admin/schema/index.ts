// The operator API's schema: its own builder, its own types (admin-schema.graphql is its SDL).
import { adminBuilder } from './builder.ts';
import './scalars.ts';
import './operator-key.ts';
import './users.ts';
import './user-actions.ts';
import './import.ts';

export const adminSchema = adminBuilder.toSchema({ sortSchema: false });
// Under the name codegen reads (codegen.ts writes admin-schema.graphql from it).
export { adminSchema as schema };
