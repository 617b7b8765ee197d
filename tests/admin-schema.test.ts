// The operator API's schema against its contract, and kept apart from the public one.
import { readFile } from 'node:fs/promises';
import { buildSchema, findBreakingChanges } from 'graphql';
import { describe, expect, it } from 'vitest';
import { adminSchema } from '../src/admin/schema/index.ts';
import { schema } from '../src/schema/index.ts';

describe('the operator API schema', () => {
  it('serves every type, field and argument of the contract SDL, none renamed, removed or retyped', async () => {
    const contract = buildSchema(await readFile(new URL('./support/admin-contract.graphql', import.meta.url), 'utf8'));
    expect(findBreakingChanges(contract, adminSchema)).toEqual([]);
  });

  it('adds no type or root field to the public schema', () => {
    const adminOnly = ['AdminUser', 'AdminSession', 'AdminFactor', 'AdminSecurityEvent', 'OperatorKey', 'OperatorKeyRef', 'UserConnection', 'ImportReport', 'UserFilter'];
    for (const name of adminOnly) expect(schema.getType(name), name).toBeUndefined();
    const publicRootFields = [...Object.keys(schema.getQueryType()!.getFields()), ...Object.keys(schema.getMutationType()!.getFields())];
    const adminRootFields = [...Object.keys(adminSchema.getQueryType()!.getFields()), ...Object.keys(adminSchema.getMutationType()!.getFields())];
    expect(publicRootFields.filter((field) => adminRootFields.includes(field))).toEqual([]);
  });
});
