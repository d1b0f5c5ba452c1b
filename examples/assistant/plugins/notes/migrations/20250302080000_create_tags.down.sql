DROP TABLE notes_tags;
