-- Hand-written (drizzle-kit generate --custom). Leaves a fifth of each messages page free, so an update that
-- moves no indexed column (a heartbeat, a progress report) stays on its page as a HOT update and rewrites no index.
ALTER TABLE "messages" SET (fillfactor = 80);--> statement-breakpoint
-- One row per status from the start: the count moves are plain UPDATEs.
INSERT INTO "status_counts" ("status", "n") VALUES ('PENDING', 0), ('PROCESSING', 0), ('COMPLETED', 0), ('FAILED', 0), ('CANCELLED', 0);
