"""The demo world (`ewtp demo`). Sits at the top: it drives every domain through its services."""
