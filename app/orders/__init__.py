"""A broker client's orders (seed 000): the cabinet's order form, signing, the desk's market
on the firm's aggregated client account, and the broker's dealing queue for external venues."""
