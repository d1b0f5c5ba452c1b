CREATE TABLE notes_tags (
    page_id INTEGER NOT NULL REFERENCES notes_pages (id) ON DELETE CASCADE,
    tag     TEXT    NOT NULL,
    PRIMARY KEY (page_id, tag)
) WITHOUT ROWID;
CREATE INDEX notes_tags_by_tag ON notes_tags (tag);
