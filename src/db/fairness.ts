// Fairness between owners within a priority, the same for every engine: each new message gets a round, and the
// claim takes by effective priority, then round, then seq. An owner's messages take consecutive rounds, and an
// owner with nothing waiting joins at the round now at the head of the line, so owners with messages waiting take
// turns (round-robin) and one owner's backlog delays another's next message by about one message per owner waiting,
// never by the backlog. With a single owner, rounds follow seq: plain oldest-first. A message waiting for its time
// (a retry, a scheduled one) keeps the round it had: when it falls due it takes its turn at once.

/**
 * (the owner's highest round among its due PENDING messages at the priority, or null; the lowest round among the due
 * PENDING messages at that priority, or undefined when none) -> the new message's round.
 */
export function nextRound(ownerTail: number | null, head: number | undefined): number {
  return Math.max(ownerTail === null ? 0 : ownerTail + 1, head ?? 0);
}
