"""Event studies: market-model abnormal returns around each event, and score calibration."""
