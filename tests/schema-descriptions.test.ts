// The schema documents itself: GraphiQL's docs explorer and generated client types show each
// element's description, so every one has one, and the inputs state the rules a form needs.
import { isEnumType, isInputObjectType, isIntrospectionType, isObjectType, isScalarType, isSpecifiedScalarType, type GraphQLField } from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../src/schema/index.ts';

/** Every type, field, argument, input field and enum value of ours without a description. */
function undescribed(): string[] {
  const missing: string[] = [];
  const need = (where: string, description: string | null | undefined) => {
    if (!description?.trim()) missing.push(where);
  };
  for (const type of Object.values(schema.getTypeMap())) {
    if (isIntrospectionType(type) || (isScalarType(type) && isSpecifiedScalarType(type))) continue;
    need(type.name, type.description);
    if (isObjectType(type)) {
      for (const field of Object.values(type.getFields()) as GraphQLField<unknown, unknown>[]) {
        need(`${type.name}.${field.name}`, field.description);
        for (const arg of field.args) need(`${type.name}.${field.name}(${arg.name})`, arg.description);
      }
    }
    if (isInputObjectType(type)) for (const field of Object.values(type.getFields())) need(`${type.name}.${field.name}`, field.description);
    if (isEnumType(type)) for (const value of type.getValues()) need(`${type.name}.${value.name}`, value.description);
  }
  return missing;
}

const descriptionOf = (type: string, field: string) => {
  const named = schema.getType(type);
  return isInputObjectType(named) || isObjectType(named) ? (named.getFields()[field]?.description ?? '') : '';
};

describe('schema descriptions', () => {
  it('describe every type, field, argument, input field and enum value', () => {
    expect(undescribed()).toEqual([]);
  });

  it('state the rules a sign-up form needs', () => {
    expect(descriptionOf('SignUpInput', 'password')).toMatch(/8.*256.*code points/s);
    expect(descriptionOf('SignUpInput', 'password')).toMatch(/common/);
    expect(descriptionOf('SignUpInput', 'email')).toMatch(/254/);
    expect(descriptionOf('SignUpInput', 'username')).toMatch(/1 to 64/);
    expect(descriptionOf('ResetPasswordInput', 'code')).toMatch(/6 digits/);
  });
});
