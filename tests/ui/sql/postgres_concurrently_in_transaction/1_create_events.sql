CREATE TABLE events (id bigint PRIMARY KEY, kind text NOT NULL);
