"""eWTP hub: an Electronic World Trade Platform hub (see README.md)."""
