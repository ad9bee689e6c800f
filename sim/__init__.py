"""Community governance linkage simulator."""
