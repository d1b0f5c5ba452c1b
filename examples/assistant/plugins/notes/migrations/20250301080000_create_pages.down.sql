DROP TABLE notes_pages;
