DROP TABLE store_locations;
