// The bench workloads' submissions: the service's own sample cycle (also what its JIT warm-up sends).
export { sampleSubmission as quotePayload } from '../src/quotes/sample-submissions.js';
