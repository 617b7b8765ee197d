// The operator's changes to one account. Each is a service call wrapped in its audit line; the
// rules (states, limits, events, mails) live in src/services/operators/user-admin.ts.
import type { User } from '../../generated/prisma/client.ts';
import { adminBuilder } from './builder.ts';
import { AdminUserType } from './users.ts';

interface UserPayload {
  message: string;
  user: User;
}

const AdminUserPayload = adminBuilder.objectRef<UserPayload>('AdminUserPayload').implement({
  description: 'What changed, and the account as it is now.',
  fields: (t) => ({
    message: t.exposeString('message', { description: 'What was done, in words.' }),
    user: t.field({ type: AdminUserType, description: 'The account after the change.', resolve: (p) => p.user }),
  }),
});

const MessagePayload = adminBuilder.objectRef<{ message: string }>('MessagePayload').implement({
  description: 'What was done, in words.',
  fields: (t) => ({ message: t.exposeString('message', { description: 'What was done.' }) }),
});

const UserIdInput = adminBuilder.inputType('UserIdInput', {
  description: 'One user.',
  fields: (t) => ({ id: t.id({ required: true, description: 'The user id.' }) }),
});

const CreateUserInput = adminBuilder.inputType('CreateUserInput', {
  description: 'An account without a password; the user sets one with the invitation code.',
  fields: (t) => ({
    email: t.string({ required: true, description: "The address, with signUp's rules." }),
    username: t.string({ description: "Display name; default the email's part before @, cut to 64." }),
    emailVerified: t.boolean({ defaultValue: false, description: 'Mark the address verified now.' }),
    sendInvitation: t.boolean({ defaultValue: true, description: 'Mail an invitation code (valid INVITATION_TTL_SECONDS).' }),
  }),
});

const DisableUserInput = adminBuilder.inputType('DisableUserInput', {
  description: 'Stop an account signing in.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'The user id.' }),
    reason: t.string({ required: true, description: 'For operators only, 1 to 500 characters; never shown to the user.' }),
    until: t.field({ type: 'DateTime', description: 'When it ends by itself: later than now, at most 10 years ahead; null: until enableUser.' }),
    notify: t.boolean({ defaultValue: true, description: 'Mail the user that the account is disabled.' }),
  }),
});

const EnableUserInput = adminBuilder.inputType('EnableUserInput', {
  description: 'Let a disabled account sign in again.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'The user id.' }),
    notify: t.boolean({ defaultValue: true, description: 'Mail the user that the account is enabled.' }),
  }),
});

const RevokeUserSessionInput = adminBuilder.inputType('RevokeUserSessionInput', {
  description: 'One live session.',
  fields: (t) => ({ sessionId: t.id({ required: true, description: 'An AdminSession id.' }) }),
});

const ForcePasswordResetInput = adminBuilder.inputType('ForcePasswordResetInput', {
  description: 'Mail the user a reset code.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'The user id.' }),
    invalidateCurrentPassword: t.boolean({ defaultValue: false, description: 'The password stops working at once and every session ends.' }),
  }),
});

const DisableUserTwoFactorInput = adminBuilder.inputType('DisableUserTwoFactorInput', {
  description: 'Turn two-factor off for a user who lost every factor.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'The user id.' }),
    reason: t.string({ required: true, description: '1 to 500 characters, for the audit line.' }),
  }),
});

const RemoveUserInput = adminBuilder.inputType('RemoveUserInput', {
  description: 'Delete an account and all it owns.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'The user id.' }),
    reason: t.string({ required: true, description: '1 to 500 characters, for the audit line.' }),
    notify: t.boolean({ defaultValue: true, description: 'Mail the former address that the account was deleted.' }),
  }),
});

adminBuilder.mutationFields((t) => ({
  createUser: t.field({
    type: AdminUserPayload,
    description: 'Creates an account without a password; EMAIL_TAKEN when the address has one.',
    args: { input: t.arg({ type: CreateUserInput, required: true }) },
    resolve: async (_root, { input }, { services, key, operator, audit }) => {
      const user = await audit.record('createUser', key, { notify: input.sendInvitation ?? true }, () =>
        services.userAdmin.createUser(
          { email: input.email, username: input.username ?? null, emailVerified: input.emailVerified ?? false, sendInvitation: input.sendInvitation ?? true },
          operator,
        ),
        (created) => ({ targetUserId: created.id }),
      );
      return { message: 'user created!', user };
    },
  }),
  sendInvitation: t.field({
    type: AdminUserPayload,
    description: 'Mails a new invitation code; CONFLICT when the user has a password or is disabled.',
    args: { input: t.arg({ type: UserIdInput, required: true }) },
    resolve: async (_root, { input }, { services, key, operator, audit }) => {
      const id = String(input.id);
      const user = await audit.record('sendInvitation', key, { targetUserId: id }, () => services.userAdmin.sendInvitation(id, operator));
      return { message: 'invitation sent!', user };
    },
  }),
  disableUser: t.field({
    type: AdminUserPayload,
    description: 'Disables the account: every session ends, signIn answers ACCOUNT_DISABLED.',
    args: { input: t.arg({ type: DisableUserInput, required: true }) },
    resolve: async (_root, { input }, { services, key, operator, audit }) => {
      const details = { id: String(input.id), reason: input.reason, until: input.until ?? null, notify: input.notify ?? true };
      const user = await audit.record('disableUser', key, { targetUserId: details.id, reason: details.reason, until: details.until, notify: details.notify }, () =>
        services.userAdmin.disable(details, operator),
      );
      return { message: 'user disabled!', user };
    },
  }),
  enableUser: t.field({
    type: AdminUserPayload,
    description: 'Enables a disabled account; sessions stay revoked. CONFLICT when not disabled.',
    args: { input: t.arg({ type: EnableUserInput, required: true }) },
    resolve: async (_root, { input }, { services, key, operator, audit }) => {
      const details = { id: String(input.id), notify: input.notify ?? true };
      const user = await audit.record('enableUser', key, { targetUserId: details.id, notify: details.notify }, () => services.userAdmin.enable(details, operator));
      return { message: 'user enabled!', user };
    },
  }),
  revokeUserSessions: t.field({
    type: AdminUserPayload,
    description: 'Ends every live session of the user, on every instance.',
    args: { input: t.arg({ type: UserIdInput, required: true }) },
    resolve: async (_root, { input }, { services, key, operator, audit }) => {
      const id = String(input.id);
      const user = await audit.record('revokeUserSessions', key, { targetUserId: id }, () => services.userAdmin.revokeSessions(id, operator));
      return { message: 'sessions revoked!', user };
    },
  }),
  revokeUserSession: t.field({
    type: AdminUserPayload,
    description: 'Ends one live session; NOT_FOUND for anything else.',
    args: { input: t.arg({ type: RevokeUserSessionInput, required: true }) },
    resolve: async (_root, { input }, { services, key, operator, audit }) => {
      const user = await audit.record('revokeUserSession', key, {}, () => services.userAdmin.revokeSession(String(input.sessionId), operator), (u) => ({
        targetUserId: u.id,
      }));
      return { message: 'session revoked!', user };
    },
  }),
  forcePasswordReset: t.field({
    type: AdminUserPayload,
    description: 'Mails the user a reset code (never shown to the operator); CONFLICT for a disabled user.',
    args: { input: t.arg({ type: ForcePasswordResetInput, required: true }) },
    resolve: async (_root, { input }, { services, key, operator, audit }) => {
      const details = { id: String(input.id), invalidateCurrentPassword: input.invalidateCurrentPassword ?? false };
      const user = await audit.record('forcePasswordReset', key, { targetUserId: details.id, invalidateCurrentPassword: details.invalidateCurrentPassword }, () =>
        services.userAdmin.forcePasswordReset(details, operator),
      );
      return { message: 'password reset code sent!', user };
    },
  }),
  markEmailVerified: t.field({
    type: AdminUserPayload,
    description: 'Marks the address verified; pending verification codes die. CONFLICT when already verified.',
    args: { input: t.arg({ type: UserIdInput, required: true }) },
    resolve: async (_root, { input }, { services, key, operator, audit }) => {
      const id = String(input.id);
      const user = await audit.record('markEmailVerified', key, { targetUserId: id }, () => services.userAdmin.markEmailVerified(id, operator));
      return { message: 'email verified!', user };
    },
  }),
  disableUserTwoFactor: t.field({
    type: AdminUserPayload,
    description: 'Forgets the authenticator and recovery codes; sessions untouched. CONFLICT when off.',
    args: { input: t.arg({ type: DisableUserTwoFactorInput, required: true }) },
    resolve: async (_root, { input }, { services, key, operator, audit }) => {
      const details = { id: String(input.id), reason: input.reason };
      const user = await audit.record('disableUserTwoFactor', key, { targetUserId: details.id, reason: details.reason }, () =>
        services.userAdmin.disableTwoFactor(details, operator),
      );
      return { message: 'two-factor disabled!', user };
    },
  }),
  removeUser: t.field({
    type: MessagePayload,
    description: 'Deletes the account and all it owns; its tokens are refused at once and the email is free.',
    args: { input: t.arg({ type: RemoveUserInput, required: true }) },
    resolve: async (_root, { input }, { services, key, operator, audit }) => {
      const details = { id: String(input.id), reason: input.reason, notify: input.notify ?? true };
      await audit.record('removeUser', key, { targetUserId: details.id, reason: details.reason, notify: details.notify }, () => services.userAdmin.remove(details, operator));
      return { message: 'user removed!' };
    },
  }),
}));
