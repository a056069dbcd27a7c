"""The ground floor: what every other package shares. Imports nothing else of iacguard."""
