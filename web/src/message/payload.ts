// Reads the submission back out of a message's `payload` JSON for display.

export interface PayloadSummary {
  applicantName: string;
  address: string;
  coverageAmount: number | null;
}

export function summarize(payload: unknown): PayloadSummary {
  const record = payload && typeof payload === 'object' ? (payload as Record<string, unknown>) : {};
  return {
    applicantName: typeof record.applicantName === 'string' ? record.applicantName : '(no name)',
    address: typeof record.address === 'string' ? record.address : '',
    coverageAmount: typeof record.coverageAmount === 'number' ? record.coverageAmount : null,
  };
}
