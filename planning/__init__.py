"""Grid boundary planning: reshape, split, merge, create, roll back and replace the grids of one parent."""
