CREATE TABLE reviews (
    book_id INTEGER NOT NULL REFERENCES books (id),
    stars   INTEGER NOT NULL CHECK (stars BETWEEN 1 AND 5)
);
CREATE VIEW book_scores AS SELECT book_id, avg(stars) AS score FROM reviews GROUP BY book_id;
