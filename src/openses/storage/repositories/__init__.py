"""One module per stored resource; each function takes an open connection."""
