"""Margin lending data of a broker firm (seed 003): discount rates per client category and FX
rates, append-only histories edited by the firm's risk staff (`broker_risk`)."""
