// Limits on the shape of an operation, checked before it runs: one request must not multiply
// attempts (aliased signIns) or work (deep, wide or repeated selections). Every limit counts every
// field, alias and directive, introspection included (`__typename`, `__schema`, `__type`). Over a
// limit, the operation is refused at once with QUERY_TOO_COMPLEX, before the rest of it is
// validated, and nothing of it executes.
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { type GraphQLError, MaxIntrospectionDepthRule, type ValidationContext, type ValidationRule } from 'graphql';
import type { Plugin, YogaInitialContext } from 'graphql-yoga';
import { requestError } from './request-error.ts';

export const QUERY_LIMITS = {
  aliases: 5,
  /** Field and fragment levels of an operation. */
  depth: 8,
  /**
   * Inside `__schema`: the standard introspection query (GraphiQL's, code generators') nests type
   * references 21 levels deep. Lists inside it may nest at most twice (graphql-js's own rule).
   */
  introspectionDepth: 21,
  tokens: 1000,
  cost: 1000,
  directives: 5,
} as const;

const refuse = {
  propagateOnRejection: false,
  onReject: [
    (_context: ValidationContext | null, error: GraphQLError) => {
      throw requestError('QUERY_TOO_COMPLEX', { message: error.message.replace(/^Syntax Error: /, '') });
    },
  ],
};

export function useQueryLimits(options: { hideSuggestions: boolean; maxCost?: number }): Plugin {
  const armor = EnvelopArmorPlugin<YogaInitialContext>({
    maxAliases: { n: QUERY_LIMITS.aliases, allowList: [], ...refuse },
    // Armor leaves `__schema` to the introspection limit below; `__type` and `__typename` count here.
    maxDepth: { n: QUERY_LIMITS.depth, ignoreIntrospection: true, ...refuse },
    maxTokens: { n: QUERY_LIMITS.tokens, ...refuse },
    maxDirectives: { n: QUERY_LIMITS.directives, ...refuse },
    costLimit: { maxCost: options.maxCost ?? QUERY_LIMITS.cost, ignoreIntrospection: true, ...refuse },
    blockFieldSuggestion: { enabled: options.hideSuggestions },
  });
  const introspectionDepth = maxDepthRule({
    n: QUERY_LIMITS.introspectionDepth,
    ignoreIntrospection: false,
    propagateOnRejection: false,
    onReject: [
      (_context, error) => {
        throw requestError('QUERY_TOO_COMPLEX', { message: error.message.replace(/^Syntax Error: Query depth/, 'Introspection depth') });
      },
    ],
  });
  return {
    onPluginInit({ addPlugin }) {
      addPlugin(armor);
      addPlugin({
        onValidate({ addValidationRule }) {
          addValidationRule(introspectionDepth);
          addValidationRule(refuseCircularIntrospection);
        },
      });
    },
  };
}

// graphql-js reports introspection lists nested three deep (types { fields { type { fields … ) as
// one validation error among all the others; here it refuses the operation at once.
const refuseCircularIntrospection: ValidationRule = (context) =>
  MaxIntrospectionDepthRule(
    Object.assign(Object.create(context) as ValidationContext, {
      reportError(error: GraphQLError) {
        throw requestError('QUERY_TOO_COMPLEX', { message: `${error.message}: introspection lists may nest at most twice.`, replaces: error });
      },
    }),
  );
