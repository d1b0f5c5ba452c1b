DROP VIEW book_scores;
DROP TABLE reviews;
