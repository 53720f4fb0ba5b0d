"""Training: the Trainer, its bounded History and the Snapshots it publishes."""
