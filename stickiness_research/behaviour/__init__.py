"""Behaviour beside attitude: event logs, behavioural stickiness metrics, retention, churn and content rules."""
