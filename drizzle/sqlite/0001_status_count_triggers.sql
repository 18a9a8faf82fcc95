-- Keeps status_counts exact inside every transaction that changes messages (hand-written: drizzle-kit has no triggers).
INSERT INTO `status_counts` (`status`, `n`) VALUES ('PENDING', 0), ('PROCESSING', 0), ('COMPLETED', 0), ('FAILED', 0), ('CANCELLED', 0);
--> statement-breakpoint
CREATE TRIGGER `messages_count_insert` AFTER INSERT ON `messages`
BEGIN
  UPDATE `status_counts` SET `n` = `n` + 1 WHERE `status` = NEW.`status`;
END;
--> statement-breakpoint
CREATE TRIGGER `messages_count_update` AFTER UPDATE OF `status` ON `messages` WHEN OLD.`status` <> NEW.`status`
BEGIN
  UPDATE `status_counts` SET `n` = `n` - 1 WHERE `status` = OLD.`status`;
  UPDATE `status_counts` SET `n` = `n` + 1 WHERE `status` = NEW.`status`;
END;
--> statement-breakpoint
CREATE TRIGGER `messages_count_delete` AFTER DELETE ON `messages`
BEGIN
  UPDATE `status_counts` SET `n` = `n` - 1 WHERE `status` = OLD.`status`;
END;
