// One `[audit]` line per operator change: which key did what to whom, and how it ended. It is the
// record that outlives the account (removeUser's line is all that is left of it), so it names the
// key by id and name and never holds a secret, a hash, a code or the request's variables.
import type { Logger } from '../logger.ts';
import { AppError } from '../services/errors.ts';
import type { OperatorKeyView } from '../services/operators/operator-keys.ts';

const TEXT_MAX = 500;

export interface AuditDetails {
  targetUserId?: string | null;
  reason?: string | null;
  until?: Date | null;
  invalidateCurrentPassword?: boolean;
  notify?: boolean;
  /** importUsers: the counts and the dry-run flag only. */
  counts?: Record<string, number>;
  dryRun?: boolean;
}

export interface AuditLog {
  /** Runs the change and writes its line, with outcome OK or the error's code; the error goes on to the client. */
  record<T>(action: string, key: OperatorKeyView, details: AuditDetails, change: () => Promise<T>, describe?: (result: T) => AuditDetails): Promise<T>;
}

export function createAuditLog(logger: Logger): AuditLog {
  return {
    async record(action, key, details, change, describe) {
      const line = (outcome: string, more: AuditDetails = {}) =>
        logger.info(`[audit] ${action}`, {
          audit: {
            action,
            operatorKey: key.keyId,
            operatorKeyName: key.name,
            scope: key.scope,
            outcome,
            ...withoutEmpty({ ...details, ...more }),
          },
        });
      try {
        const result = await change();
        line('OK', describe?.(result));
        return result;
      } catch (error) {
        line(error instanceof AppError ? error.code : 'INTERNAL_SERVER_ERROR');
        throw error;
      }
    },
  };
}

function withoutEmpty(details: AuditDetails): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(details)
      .filter(([, value]) => value !== undefined)
      // A refused reason may be any size: the line keeps what could have been stored.
      .map(([name, value]) => [name, value instanceof Date ? value.toISOString() : typeof value === 'string' ? value.trim().slice(0, TEXT_MAX) : value]),
  );
}
