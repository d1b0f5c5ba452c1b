-- A plugin may index a core table, under a name with its prefix.
CREATE INDEX calendar_conversations_title ON conversations (title);
CREATE INDEX conversations_user_id ON conversations (user_id);
