CREATE TABLE room_bookings (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    room     integer NOT NULL,
    during   tstzrange NOT NULL,
    EXCLUDE USING gist (room WITH =, during WITH &&)
);
CREATE UNLOGGED TABLE booking_cache (room integer PRIMARY KEY, payload bytea);
