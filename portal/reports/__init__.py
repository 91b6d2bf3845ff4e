"""Store reports: a store's month in figures and words, reviewed by its supervisor."""
