"""Behaviour beside attitude: event logs, behavioural stickiness metrics, retention, churn and content rules."""

import warnings

# ibis 12 calls DuckDB 2's deprecated fetch_arrow_table() on every query: noise for our users, nothing to fix here
warnings.filterwarnings("ignore", message=r"fetch_arrow_table\(\) is deprecated", category=DeprecationWarning)
