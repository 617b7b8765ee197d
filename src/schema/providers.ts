// Sign-in with identity providers (Google, GitHub, Microsoft, Apple, any OpenID Provider): the
// list for the buttons, the start, and the finish for apps and second factors. The provider's
// answer comes back to GET/POST /auth/callback/<provider> (src/server/provider-callback.ts).
import type { IdentityProviderView, StartedFlow } from '../services/providers/provider-sign-in.ts';
import { answerSignIn, AuthPayload } from './auth.ts';
import { builder } from './builder.ts';

const IdentityProviderType = builder.objectRef<IdentityProviderView>('IdentityProvider').implement({
  description: 'An identity provider users can sign in with.',
  fields: (t) => ({
    id: t.exposeID('id', { description: '"google", "github", "microsoft", "apple", or an OIDC_PROVIDERS id such as "okta".' }),
    name: t.exposeString('name', { description: 'For the button: "Google", "GitHub", "Microsoft", "Apple", or OIDC_<ID>_NAME.' }),
  }),
});

const ProviderAuthorizationType = builder.objectRef<StartedFlow>('ProviderAuthorization').implement({
  description: "Where to send the user: the provider's sign-in page, for this flow only.",
  fields: (t) => ({
    authorizationUrl: t.exposeString('authorizationUrl', {
      description: 'Open it: in this window (browser mode) or in the system browser (apps, handoff mode).',
    }),
    state: t.exposeString('state', { description: 'Also inside authorizationUrl; comes back on the return URL.' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', description: 'The flow ends then, whatever its stage (PROVIDER_FLOW_TTL_SECONDS).' }),
  }),
});

const StartProviderSignInInput = builder.inputType('StartProviderSignInInput', {
  description:
    'Browser mode (no codeChallenge): the answer sets the flow cookie and the callback signs the browser in, then sends it to returnTo. ' +
    'Handoff mode (codeChallenge): the callback sends the browser to returnTo with state and a one-time code, for finishProviderSignIn.',
  fields: (t) => ({
    provider: t.string({ required: true, description: 'An IdentityProvider.id (BAD_USER_INPUT naming provider otherwise).' }),
    returnTo: t.string({
      required: false,
      description:
        'Where the flow ends: equal in scheme, host, port and path to a PROVIDER_RETURN_URLS entry (a query is kept; http://127.0.0.1 and ' +
        'http://[::1] entries match any port). Browser mode defaults to the first http(s) entry; required in handoff mode.',
    }),
    codeChallenge: t.string({
      required: false,
      description:
        "BASE64URL(SHA-256(verifier)), 43 characters: the app's own PKCE for the hop back to it. Required for clients without cookies " +
        '(Bearer requests, X-Session-Transport: header).',
    }),
  }),
});

const FinishProviderSignInInput = builder.inputType('FinishProviderSignInInput', {
  description: 'The flow handed to the app (handoff mode), or waiting for a second factor (both modes).',
  fields: (t) => ({
    state: t.string({ required: true, description: 'The state the return URL carried.' }),
    authorizationCode: t.string({ required: true, description: 'The one-time `code` the return URL carried.' }),
    codeVerifier: t.string({ required: false, description: 'Handoff mode: the verifier of the codeChallenge sent at start (INVALID_STATE if wrong).' }),
    code: t.string({
      required: false,
      description: 'For an account with two-factor on, after SECOND_FACTOR_REQUIRED: an authenticator or recovery code. The flow waits until it expires.',
    }),
  }),
});

builder.queryField('identityProviders', (t) =>
  t.field({
    type: [IdentityProviderType],
    description: 'The enabled providers: google, github, microsoft, apple (those configured), then OIDC_PROVIDERS in its order. No session needed.',
    resolve: (_root, _args, { services }) => services.providerSignIn.list(),
  }),
);

builder.mutationFields((t) => ({
  startProviderSignIn: t.field({
    type: ProviderAuthorizationType,
    description:
      'Starts a sign-in (or sign-up) with a provider; no session needed. The account it opens: the linked identity; else an account with ' +
      "the same email when both sides have it verified (EMAIL_TAKEN with the reason otherwise); else a new one. PROVIDER_ERROR (reason " +
      'UNAVAILABLE) when the provider cannot be reached. Rate-limited per client address.',
    args: { input: t.arg({ type: StartProviderSignInInput, required: true, description: 'The provider, and where to come back.' }) },
    resolve: async (_root, { input }, { services, auth, caller, flowCookie }) => {
      const started = await services.providerSignIn.start(input, { flowCookie: flowCookie.value, cookieless: auth.cookieless() }, caller);
      if (started.flowCookie) flowCookie.set(started.flowCookie);
      return started;
    },
  }),
  finishProviderSignIn: t.field({
    type: AuthPayload,
    description:
      'Ends a flow handed to the app, or one waiting for a second factor: state, the one-time code and the binding (codeVerifier, or the ' +
      'flow cookie in browser mode). Then all that signIn does; "user created!" when it made the account. INVALID_STATE for a wrong binding ' +
      'or code (the flow is used up).',
    args: { input: t.arg({ type: FinishProviderSignInInput, required: true, description: 'The return URL’s state and code, and the binding.' }) },
    resolve: async (_root, { input }, context) => {
      const { signedIn, created } = await context.services.providerSignIn.finish(input, context.flowCookie.value, context.caller);
      return answerSignIn(context, signedIn, created ? 'user created!' : 'login successful!');
    },
  }),
}));
