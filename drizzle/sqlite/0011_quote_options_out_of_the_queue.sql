ALTER TABLE `messages` ADD `options` text;--> statement-breakpoint
-- Hand-written: the two columns move into `options` as src/db/legacy-snapshots.ts reads them from old snapshots
-- (only the keys set; null when neither is).
UPDATE `messages` SET `options` = CASE
    WHEN `use_agentic` = 1 AND `simulate` IS NOT NULL
      THEN json_object('useAgentic', json('true'), 'simulate', json(`simulate`))
    WHEN `use_agentic` = 1 THEN '{"useAgentic":true}'
    ELSE json_object('simulate', json(`simulate`))
  END
  WHERE `use_agentic` = 1 OR `simulate` IS NOT NULL;--> statement-breakpoint
ALTER TABLE `messages` DROP COLUMN `use_agentic`;--> statement-breakpoint
ALTER TABLE `messages` DROP COLUMN `simulate`;
