CREATE TABLE regional_orders (
    id     bigint NOT NULL,
    region text NOT NULL,
    amount numeric(12, 2)
) PARTITION BY LIST (region);
CREATE TABLE regional_orders_eu PARTITION OF regional_orders FOR VALUES IN ('eu-west', 'eu-central');
CREATE TABLE regional_orders_us (LIKE regional_orders INCLUDING ALL);
ALTER TABLE regional_orders ATTACH PARTITION regional_orders_us FOR VALUES IN ('us-east');
CREATE TABLE hashed (id bigint NOT NULL) PARTITION BY HASH (id);
CREATE TABLE hashed_0 PARTITION OF hashed FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE hashed_1 PARTITION OF hashed FOR VALUES WITH (MODULUS 2, REMAINDER 1);
