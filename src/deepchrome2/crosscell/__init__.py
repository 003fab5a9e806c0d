"""Cross-cell evaluation: training sets by expression correlation, pooled training over several
cells, the train-cell x test-cell transfer matrix, and the tables and tests of Finding 3."""
