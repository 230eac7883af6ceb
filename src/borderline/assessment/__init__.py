"""Risk assessment and governance: MCDA, country and corridor risk, risk register, loss
quantification, capability maturity and management reports."""
