// "Sign in with …" buttons for the API's identity providers, in browser mode: the page starts the
// flow, the browser goes to the provider, the API's callback (<PUBLIC_URL>/auth/callback/<id>)
// sets the session cookie itself and sends the browser back here. No client library: fetch only.
//
// Run it by hand:
//   1. Register the callback at the provider: http://localhost:4000/auth/callback/<id> (Google,
//      GitHub and Microsoft accept http://localhost redirect URIs for development).
//   2. Start the API:
//        PUBLIC_URL=http://localhost:4000 PROVIDER_RETURN_URLS=http://localhost:5173/providers/ \
//        CORS_ORIGINS=http://localhost:5173 GOOGLE_CLIENT_ID=… GOOGLE_CLIENT_SECRET=… npm start
//      (or OIDC_PROVIDERS=corp OIDC_CORP_ISSUER=… OIDC_CORP_CLIENT_ID=… OIDC_CORP_CLIENT_SECRET=…).
//   3. `npm run examples`, then open http://localhost:5173/providers/ (`?api=<url of /graphql>`
//      points it at another API; the query survives the round trip).
// Page and API must be on the same *site* (ports do not count: localhost:5173 and localhost:4000
// are one site), or the browser keeps neither the flow cookie nor the Lax session cookie. Open the
// page as localhost, not 127.0.0.1: the return URL must match PROVIDER_RETURN_URLS exactly, and
// outside production only http://localhost entries serve browser mode.

export {}; // a module: its top-level names stay its own

interface GraphqlError {
  message: string;
  extensions?: { code?: unknown; reason?: unknown };
}

interface Me {
  email: string;
  username: string;
  hasPassword: boolean;
}

/** An error to branch on: the API's code (or NETWORK_ERROR), and its reason when it gives one. */
class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly reason?: string,
  ) {
    super(message);
  }
}

/** What the user reads for each code; the code and reason stay visible for whoever debugs it. */
const FRIENDLY: Record<string, string> = {
  INVALID_STATE: 'That sign-in expired, was used already or was started in another browser: please start again',
  PROVIDER_ERROR: 'The provider did not sign you in',
  EMAIL_TAKEN: 'An account already has that email: sign in to it another way, then link this provider',
  SECOND_FACTOR_REQUIRED: 'Two-factor is on for this account: enter a code from your authenticator app (or a recovery code)',
  INVALID_CODE: 'That code is wrong or has expired',
  RATE_LIMITED: 'Too many attempts, try again later',
  BAD_USER_INPUT: 'The API refused the request',
  NETWORK_ERROR: 'The API could not be reached',
};

const API = new URLSearchParams(location.search).get('api') ?? 'http://localhost:4000/graphql';

async function graphql<Data>(query: string, variables?: Record<string, unknown>): Promise<Data> {
  let response: Response;
  try {
    // credentials: 'include': the API is another origin; its cookies (session, flow) must go both ways.
    response = await fetch(API, {
      method: 'POST',
      credentials: 'include',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
  } catch (error) {
    throw new ApiError('NETWORK_ERROR', error instanceof Error ? error.message : String(error));
  }
  const body = (await response.json().catch(() => null)) as { data?: Data | null; errors?: GraphqlError[] } | null;
  const first = body?.errors?.[0];
  if (first) {
    const { code, reason } = first.extensions ?? {};
    throw new ApiError(typeof code === 'string' ? code : 'UNKNOWN', first.message, typeof reason === 'string' ? reason : undefined);
  }
  if (!body?.data) throw new ApiError('NETWORK_ERROR', `HTTP ${response.status}`);
  return body.data;
}

const $ = <T extends HTMLElement>(selector: string) => document.querySelector<T>(selector)!;

function show(text: string): void {
  const status = $('#status');
  status.textContent = text;
  delete status.dataset.errorCode;
  delete status.dataset.reason;
}

function showError(error: unknown): void {
  const e = error instanceof ApiError ? error : new ApiError('UNKNOWN', String(error));
  const status = $('#status');
  const detail = e.reason ? `${e.code}, ${e.reason}` : e.code;
  status.textContent = `${FRIENDLY[e.code] ?? 'Something went wrong'} (${detail})${e.message ? `: ${e.message}` : ''}`;
  status.dataset.errorCode = e.code;
  if (e.reason) status.dataset.reason = e.reason;
  else delete status.dataset.reason;
}

// The callback's answer rides on this page's URL. Taken off the address bar at once, so that a
// reload, a bookmark or a shared link never carries the one-time code, and so that it does not
// end up inside the next returnTo.
const FLOW_PARAMS = ['error', 'state', 'code', 'reason', 'retryAfter'];
const landed = new URLSearchParams(location.search);
const clean = new URL(location.href);
for (const name of FLOW_PARAMS) clean.searchParams.delete(name);
clean.hash = '';
if (clean.href !== location.href) history.replaceState(null, '', clean.href);
/** Where the provider sends the browser back: this page (scheme, host, port and path in PROVIDER_RETURN_URLS). */
const returnTo = clean.href;

async function loadUser(): Promise<void> {
  const { me } = await graphql<{ me: Me | null }>('query { me { email username hasPassword } }');
  const user = $('#user');
  user.textContent = me
    ? `Signed in as ${me.username} (${me.email}), ${me.hasPassword ? 'with' : 'without'} a password.`
    : 'Not signed in.';
  user.dataset.signedIn = String(me !== null);
  $('#providers').hidden = me !== null;
  $('#logout').hidden = me === null;
}

async function loadProviders(): Promise<void> {
  const { identityProviders } = await graphql<{ identityProviders: { id: string; name: string }[] }>('query { identityProviders { id name } }');
  const list = $('#providers');
  list.replaceChildren(
    ...identityProviders.map(({ id, name }) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.dataset.provider = id;
      button.textContent = `Sign in with ${name}`;
      button.addEventListener('click', () => void signInWith(id));
      return button;
    }),
  );
  if (identityProviders.length === 0) list.textContent = 'No identity provider is configured on the API.';
}

async function signInWith(provider: string): Promise<void> {
  for (const button of $('#providers').querySelectorAll('button')) button.disabled = true;
  show('…');
  try {
    const { startProviderSignIn } = await graphql<{ startProviderSignIn: { authorizationUrl: string } }>(
      'mutation($input: StartProviderSignInInput!) { startProviderSignIn(input: $input) { authorizationUrl } }',
      { input: { provider, returnTo } },
    );
    // The answer set the flow cookie; the callback checks it, so the sign-in finishes in this browser only.
    location.assign(startProviderSignIn.authorizationUrl);
  } catch (error) {
    showError(error);
    for (const button of $('#providers').querySelectorAll('button')) button.disabled = false;
  }
}

/** After SECOND_FACTOR_REQUIRED: the flow waits (until it expires) for a code, sent with the flow cookie. */
function askSecondFactor(state: string, authorizationCode: string): void {
  const form = $<HTMLFormElement>('#second-factor');
  const input = form.elements.namedItem('code') as HTMLInputElement;
  form.hidden = false;
  input.focus();
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void (async () => {
      show('…');
      try {
        const { finishProviderSignIn } = await graphql<{ finishProviderSignIn: { message: string } }>(
          'mutation($input: FinishProviderSignInInput!) { finishProviderSignIn(input: $input) { message } }',
          { input: { state, authorizationCode, code: input.value.trim() } },
        );
        form.hidden = true;
        show(finishProviderSignIn.message);
        await loadUser();
      } catch (error) {
        showError(error);
        input.value = '';
        // A wrong code leaves the flow waiting; anything else has used it up.
        if (!(error instanceof ApiError && (error.code === 'INVALID_CODE' || error.code === 'RATE_LIMITED'))) form.hidden = true;
      }
    })();
  });
}

$('#logout').addEventListener('click', () => {
  void (async () => {
    show('…');
    try {
      const { logout } = await graphql<{ logout: { message: string } }>('mutation { logout { message } }');
      show(logout.message);
      await loadUser();
    } catch (error) {
      showError(error);
    }
  })();
});

const error = landed.get('error');
const state = landed.get('state');
const code = landed.get('code');
if (error === 'SECOND_FACTOR_REQUIRED' && state && code) {
  showError(new ApiError(error, ''));
  askSecondFactor(state, code);
} else if (error) {
  const retryAfter = landed.get('retryAfter');
  showError(new ApiError(error, retryAfter ? `try again in ${retryAfter} s` : '', landed.get('reason') ?? undefined));
}
Promise.all([loadProviders(), loadUser()]).catch(showError);
