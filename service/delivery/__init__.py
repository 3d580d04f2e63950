"""Outbound callbacks: claiming outbox events with a lease, signing, delivering, retrying, dead-lettering."""
