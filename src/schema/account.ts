// Account deletion: needs the session, the session's own email and the current password.
import { builder } from './builder.ts';
import { MessagePayload } from './message-payload.ts';

const DeleteUserInput = builder.inputType('DeleteUserInput', {
  fields: (t) => ({
    email: t.string({ required: true }),
    password: t.string({ required: true }),
  }),
});

builder.mutationField('deleteUser', (t) =>
  t.withAuth({ signedIn: true }).field({
    type: MessagePayload,
    args: { input: t.arg({ type: DeleteUserInput, required: true }) },
    resolve: async (_root, { input }, { services, auth, viewer, caller }) => {
      await services.accounts.deleteAccount(viewer.user, input, caller);
      auth.signedOut();
      return { message: 'delete successful!' };
    },
  }),
);
