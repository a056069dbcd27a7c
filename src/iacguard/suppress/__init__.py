"""Inline and Metadata suppressions: ``directives`` finds and parses them, ``apply`` matches
findings to them and reports the SUP meta-findings."""
