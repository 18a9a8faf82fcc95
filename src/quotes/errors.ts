// The quote domain's own error: a submission that breaks a rule. Whoever uses the domain decides what it becomes
// (the service answers it as bad input; a stored one found bad while underwriting fails its message for good).

/** A submission's first field at fault and the rule it breaks, e.g. `submission.address` and `is required`. */
export class SubmissionError extends Error {
  constructor(
    readonly field: string,
    readonly rule: string,
  ) {
    super(`${field}: ${rule}`);
    this.name = 'SubmissionError';
  }
}
