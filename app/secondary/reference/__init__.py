"""Reference data of the market: instruments, reference prices and trading accounts (services),
and their pages."""
