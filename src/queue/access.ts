// Who may do what with which message: the roles of the contract, applied to message ownership.

export type Role = 'submitter' | 'reviewer' | 'admin';

/** The caller of a queue operation, as authenticated by the API layer. */
export interface Actor {
  /** Stable identity that owns the messages it submits and scopes its idempotency keys. */
  id: string;
  /** How the caller appears (as `review.reviewer`, in logs); never the key itself. */
  name: string;
  role: Role;
}

/** Reviewers and admins read every message; a submitter only its own (others read as unknown). */
export function canRead(actor: Actor, owner: string): boolean {
  return actor.role !== 'submitter' || actor.id === owner;
}

/** Admins cancel anything; submitters and reviewers only what they submitted. */
export function canCancel(actor: Actor, owner: string): boolean {
  return actor.role === 'admin' || actor.id === owner;
}

export const canRetry = (actor: Actor): boolean => actor.role === 'admin';
export const canReview = (actor: Actor): boolean => actor.role === 'reviewer' || actor.role === 'admin';
export const canOperate = (actor: Actor): boolean => actor.role === 'admin';
