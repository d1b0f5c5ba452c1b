CREATE VIRTUAL TABLE store_locations USING rtree (id, min_lat, max_lat, min_lon, max_lon);
