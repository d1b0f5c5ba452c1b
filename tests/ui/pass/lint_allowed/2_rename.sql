-- schema: allow(drop-column)
-- The release before this one stopped reading `name`; `posts` is read through a view.
ALTER TABLE users DROP COLUMN name;
ALTER TABLE posts RENAME TO articles;
CREATE INDEX articles_user ON articles (user_id);
