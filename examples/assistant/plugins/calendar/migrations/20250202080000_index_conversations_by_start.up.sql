-- The calendar looks conversations up by when they started: an index of the plugin's own on a
-- core table, removed with the plugin.
CREATE INDEX calendar_conversations_by_start ON conversations (started_at);
