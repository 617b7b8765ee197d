// The operator API's GraphQL context: the services and the operator key that passed the gate
// (./use-operator-gate.ts). There is no session, cookie or caller here: operators act as themselves.
import type { Services } from '../services/create-services.ts';
import type { AuditLog } from './audit-log.ts';
import type { OperatorKeyView } from '../services/operators/operator-keys.ts';
import type { OperatorActor } from '../services/security/security-events.ts';

export interface AdminContext {
  services: Services;
  /** The calling key; every resolver runs after the gate checked it. */
  key: OperatorKeyView;
  /** The key as the services record it on events. */
  operator: OperatorActor;
  audit: AuditLog;
}
