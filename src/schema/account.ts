// Account deletion: needs the session, the session's own email and the current password (or a fresh session).
import { builder } from './builder.ts';
import { CURRENT_PASSWORD_RULES, EMAIL_RULES } from './field-rules.ts';
import { MessagePayload } from './message-payload.ts';

const DeleteUserInput = builder.inputType('DeleteUserInput', {
  description: 'Confirms the deletion: the signed-in account\'s own email and its current password.',
  fields: (t) => ({
    email: t.string({ required: true, description: `${EMAIL_RULES} Must be the signed-in account's own (FORBIDDEN otherwise).` }),
    password: t.string({ required: false, description: CURRENT_PASSWORD_RULES }),
  }),
});

builder.mutationField('deleteUser', (t) =>
  t.withAuth({ signedIn: true }).field({
    type: MessagePayload,
    description:
      'Deletes the signed-in account with its sessions and codes, and clears the cookie: "delete successful!". UNAUTHENTICATED without a valid session.',
    args: { input: t.arg({ type: DeleteUserInput, required: true, description: 'The confirmation.' }) },
    resolve: async (_root, { input }, { services, auth, viewer, caller }) => {
      await services.accounts.deleteAccount(viewer, input, caller);
      auth.signedOut();
      return { message: 'delete successful!' };
    },
  }),
);
