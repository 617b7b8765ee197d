// The page both examples share: sign up, sign in, dashboard, logout, forgot password. Every
// answer goes to #status; an error shows its code (data-error-code) and a text chosen by it.
import { ApiError, type AuthClient } from './auth-client.ts';

/** What the user reads for each error code; the server's message stays the detail. */
const FRIENDLY: Record<string, string> = {
  BAD_USER_INPUT: 'Please check the form',
  INVALID_CREDENTIALS: 'Wrong email or password',
  EMAIL_TAKEN: 'That email already has an account',
  UNAUTHENTICATED: 'Please sign in',
  INVALID_CODE: 'That code is wrong or has expired',
  RATE_LIMITED: 'Too many attempts, try again later',
};

const $ = <T extends HTMLElement>(selector: string) => document.querySelector<T>(selector)!;
const field = (form: HTMLFormElement, name: string) => (form.elements.namedItem(name) as HTMLInputElement).value;

function show(text: string, code?: string): void {
  const status = $('#status');
  status.textContent = text;
  if (code) status.dataset.errorCode = code;
  else delete status.dataset.errorCode;
}

async function run(action: () => Promise<string>): Promise<void> {
  show('…');
  try {
    show(await action());
  } catch (error) {
    const apiError = error instanceof ApiError ? error : new ApiError('UNKNOWN', String(error));
    show(`${FRIENDLY[apiError.code] ?? 'Something went wrong'} (${apiError.code}): ${apiError.message}`, apiError.code);
  }
}

function onSubmit(selector: string, action: (form: HTMLFormElement) => Promise<string>): void {
  const form = $<HTMLFormElement>(selector);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void run(() => action(form));
  });
}

export function mountAuthPage(client: AuthClient, title: string): void {
  document.title = title;
  $('#title').textContent = title;
  onSubmit('#sign-up', (f) => client.signUp({ username: field(f, 'username'), email: field(f, 'email'), password: field(f, 'password') }));
  onSubmit('#sign-in', (f) => client.signIn({ email: field(f, 'email'), password: field(f, 'password') }));
  onSubmit('#forgot', (f) => client.sendMail(field(f, 'email')));
  onSubmit('#reset', (f) => client.resetPassword({ email: field(f, 'email'), code: field(f, 'code'), newPassword: field(f, 'newPassword') }));
  $('#dashboard').addEventListener('click', () =>
    run(async () => {
      const dashboard = await client.dashboard();
      return `${dashboard.message} Session ends at ${new Date(dashboard.session.expiresAt).toLocaleTimeString()} unless you stay active.`;
    }),
  );
  $('#logout').addEventListener('click', () => run(() => client.logout()));
}
