-- The attempt a change ends is stored on its event (no attempts row and index per message any more), and the
-- recent figures are kept per 10-second step in attempt_buckets instead of being counted from every attempt.
CREATE TABLE `attempt_buckets` (
	`bucket` integer PRIMARY KEY NOT NULL,
	`n` integer DEFAULT 0 NOT NULL,
	`failed` integer DEFAULT 0 NOT NULL,
	`completed` integer DEFAULT 0 NOT NULL,
	`completed_ms` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE `message_events` ADD `attempt` integer;--> statement-breakpoint
ALTER TABLE `message_events` ADD `attempt_worker` text;--> statement-breakpoint
ALTER TABLE `message_events` ADD `attempt_started_at` integer;--> statement-breakpoint
ALTER TABLE `message_events` ADD `attempt_outcome` text;--> statement-breakpoint
ALTER TABLE `message_events` ADD `attempt_error` text;--> statement-breakpoint
-- Hand-written: the attempts that ended before, counted into their buckets, so the recent figures carry over.
INSERT INTO `attempt_buckets` (`bucket`, `n`, `failed`, `completed`, `completed_ms`)
  SELECT `ended_at` / 10000,
    COUNT(*),
    SUM(CASE WHEN `outcome` IN ('FAILED', 'TIMED_OUT', 'LOST') THEN 1 ELSE 0 END),
    SUM(CASE WHEN `outcome` = 'COMPLETED' THEN 1 ELSE 0 END),
    COALESCE(SUM(CASE WHEN `outcome` = 'COMPLETED' THEN `ended_at` - `started_at` ELSE 0 END), 0)
  FROM `attempts` GROUP BY `ended_at` / 10000;
