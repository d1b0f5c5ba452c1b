-- schema: no-check
-- Needs the sqlite-vec extension, which the service loads at run time; the build-time check
-- cannot load it.
CREATE VIRTUAL TABLE IF NOT EXISTS note_embeddings USING vec0(embedding float[384]);
