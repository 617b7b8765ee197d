// Sign-in with identity providers (Google, GitHub, Microsoft, Apple, any OpenID Provider): the
// list for the buttons, the start, and the finish for apps and second factors. The provider's
// answer comes back to GET/POST /auth/callback/<provider> (src/server/provider-callback.ts).
import type { LinkedIdentityView } from '../services/providers/provider-links.ts';
import type { IdentityProviderView, StartedFlow } from '../services/providers/provider-sign-in.ts';
import { answerSignIn, AuthPayload } from './auth.ts';
import { builder } from './builder.ts';
import { CURRENT_PASSWORD_RULES } from './field-rules.ts';
import { MessagePayload } from './message-payload.ts';

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

const LinkedIdentityType = builder.objectRef<LinkedIdentityView>('LinkedIdentity').implement({
  description: 'An account at an identity provider linked to yours: it signs you in.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Opaque and stable; unlinkIdentity takes it.' }),
    provider: t.field({ type: IdentityProviderType, description: 'Which provider.', resolve: (identity) => identity.provider }),
    email: t.exposeString('email', {
      nullable: true,
      description: 'As the provider last asserted it: shown to you, never used to find your account.',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was linked.' }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true, description: 'Its last sign-in; null until then.' }),
  }),
});

const LinkedIdentityPayload = builder.objectRef<{ message: string; identity: LinkedIdentityView }>('LinkedIdentityPayload').implement({
  description: 'An identity just linked.',
  fields: (t) => ({
    message: t.exposeString('message', { description: '"identity linked!".' }),
    identity: t.field({ type: LinkedIdentityType, description: 'The identity now linked.', resolve: (payload) => payload.identity }),
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

const StartProviderLinkInput = builder.inputType('StartProviderLinkInput', {
  description: 'Links an identity to the signed-in account. Browser mode: the callback links and returns to returnTo. Handoff mode: finishProviderLink.',
  fields: (t) => ({
    provider: t.string({ required: true, description: 'An IdentityProvider.id. CONFLICT (reason ALREADY_LINKED) when the account has an identity of it.' }),
    password: t.string({ required: false, description: `${CURRENT_PASSWORD_RULES} Counted with deleteUser's limit.` }),
    code: t.string({ required: false, description: 'With two-factor on: an authenticator or recovery code (SECOND_FACTOR_REQUIRED, INVALID_CODE).' }),
    returnTo: t.string({ required: false, description: 'As for startProviderSignIn.' }),
    codeChallenge: t.string({ required: false, description: 'As for startProviderSignIn: handoff mode.' }),
  }),
});

const FinishProviderLinkInput = builder.inputType('FinishProviderLinkInput', {
  description: 'A link handed to the app: from the session that started it.',
  fields: (t) => ({
    state: t.string({ required: true, description: 'The state the return URL carried.' }),
    authorizationCode: t.string({ required: true, description: 'The one-time `code` the return URL carried.' }),
    codeVerifier: t.string({ required: true, description: 'The verifier of the codeChallenge sent at start.' }),
  }),
});

const UnlinkIdentityInput = builder.inputType('UnlinkIdentityInput', {
  description: 'Which identity, and proof that it is you.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'LinkedIdentity.id (NOT_FOUND for anything else).' }),
    password: t.string({ required: false, description: CURRENT_PASSWORD_RULES }),
  }),
});

builder.queryField('linkedIdentities', (t) =>
  t.withAuth({ signedIn: true }).field({
    type: [LinkedIdentityType],
    description: "The signed-in account's linked identities, newest first.",
    resolve: (_root, _args, { services, viewer }) => services.providerLinks.list(viewer.user.id),
  }),
);

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
  startProviderLink: t.withAuth({ signedIn: true }).field({
    type: ProviderAuthorizationType,
    description:
      'Starts linking an identity to the signed-in account: the password (or a fresh session) and, with two-factor on, a code. At the ' +
      'callback or finishProviderLink: CONFLICT (reason IDENTITY_IN_USE) for an identity linked to another account, ALREADY_LINKED for ' +
      'one linked here; UNAUTHENTICATED once the session has ended. A link mails a notice.',
    args: { input: t.arg({ type: StartProviderLinkInput, required: true, description: 'The provider, the proofs, and where to come back.' }) },
    resolve: async (_root, { input }, { services, viewer, auth, caller, flowCookie }) => {
      const started = await services.providerLinks.start(viewer, input, { flowCookie: flowCookie.value, cookieless: auth.cookieless() }, caller);
      if (started.flowCookie) flowCookie.set(started.flowCookie);
      return started;
    },
  }),
  finishProviderLink: t.withAuth({ signedIn: true }).field({
    type: LinkedIdentityPayload,
    description: 'Ends a link handed to the app (handoff mode), from the session that started it (INVALID_STATE otherwise).',
    args: { input: t.arg({ type: FinishProviderLinkInput, required: true, description: 'The return URL’s state and code, and the verifier.' }) },
    resolve: async (_root, { input }, { services, viewer, caller }) => ({
      message: 'identity linked!',
      identity: await services.providerLinks.finish(viewer, input, caller),
    }),
  }),
  unlinkIdentity: t.withAuth({ signedIn: true }).field({
    type: MessagePayload,
    description:
      'Unlinks an identity: the password (or a fresh session). CONFLICT (reason LAST_SIGN_IN_METHOD) when it is the last way in (no ' +
      'password, passkey or other identity of an enabled provider). Ends the other sessions it signed in and mails a notice.',
    args: { input: t.arg({ type: UnlinkIdentityInput, required: true, description: 'Which identity, and the password.' }) },
    resolve: async (_root, { input }, { services, viewer, caller }) => {
      await services.providerLinks.unlink(viewer, input, caller);
      return { message: 'identity unlinked!' };
    },
  }),
}));
