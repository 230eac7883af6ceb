"""Cross-border transfer rules: versioned YAML rules, the engine, reports."""
