// The read behind every signed-in request: the session row and its user in one indexed query
// (primary keys on both sides); Prisma's include would send two. The user comes whole, hash
// included, because the GraphQL User type's shape is the whole model: Pothos would read it again.
// It goes to the driver as a named statement, not through Prisma: on a `dashboard` request
// Prisma's raw-query path was the largest CPU cost after the kernel's (npm run bench).
import type { SqlClient } from '../../db/open-database.ts';
import type { Session, User } from '../../generated/prisma/client.ts';

export type SessionRow = Session & { user: User };

interface JoinedRow {
  user_id: string;
  created_at: Date;
  expires_at: Date;
  absolute_expires_at: Date;
  revoked_at: Date | null;
  last_active_at: Date;
  user_agent: string | null;
  ip_address: string | null;
  passkey_id: string | null;
  identity_id: string | null;
  username: string;
  email: string;
  email_verified: boolean;
  password_hash: string | null;
  passkey_user_handle: string | null;
  user_created_at: Date;
  user_updated_at: Date;
  disabled_at: Date | null;
  disabled_until: Date | null;
  disabled_reason: string | null;
  last_sign_in_at: Date | null;
}

const SESSION_WITH_USER = {
  name: 'session_with_user',
  text: `
    SELECT s.user_id, s.created_at, s.expires_at, s.absolute_expires_at, s.revoked_at,
           s.last_active_at, s.user_agent, s.ip_address, s.passkey_id, s.identity_id,
           u.username, u.email, u.email_verified, u.password_hash, u.passkey_user_handle, u.created_at AS user_created_at, u.updated_at AS user_updated_at,
           u.disabled_at, u.disabled_until, u.disabled_reason, u.last_sign_in_at
      FROM sessions s JOIN users u ON u.id = s.user_id
     WHERE s.id = $1::uuid`,
};

export async function findSessionWithUser(sql: SqlClient, sessionId: string): Promise<SessionRow | null> {
  const rows = await sql.query<JoinedRow>(SESSION_WITH_USER, [sessionId]);
  const row = rows[0];
  if (!row) return null;
  return {
    id: sessionId,
    userId: row.user_id,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    absoluteExpiresAt: row.absolute_expires_at,
    revokedAt: row.revoked_at,
    lastActiveAt: row.last_active_at,
    userAgent: row.user_agent,
    ipAddress: row.ip_address,
    passkeyId: row.passkey_id,
    identityId: row.identity_id,
    user: {
      id: row.user_id,
      username: row.username,
      email: row.email,
      emailVerified: row.email_verified,
      passwordHash: row.password_hash,
      passkeyUserHandle: row.passkey_user_handle,
      createdAt: row.user_created_at,
      updatedAt: row.user_updated_at,
      disabledAt: row.disabled_at,
      disabledUntil: row.disabled_until,
      disabledReason: row.disabled_reason,
      lastSignInAt: row.last_sign_in_at,
    },
  };
}
