"""The margin fee (seed 003: margin borrowers pay the broker's tariff): a firm's daily rates on
money debt and on lent securities, append-only like the discount rates, and the worker's accrual
of the fee to each owing client's ledger once per business day, after the market closes."""
