"""Road distances from OpenStreetMap: read an extract, keep the drivable network, shortest road km and hours."""
