/*!
DSOMM-level policy, suppressions and baseline: turns findings into a verdict.
*/
