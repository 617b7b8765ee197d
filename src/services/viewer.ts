import type { User } from '../generated/prisma/client.ts';

/** The signed-in user and the session making the request: what operations on one's own account start from. */
export interface Viewer {
  user: User;
  session: { id: string; createdAt: Date };
}
