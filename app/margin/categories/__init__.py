"""Client categories (seed 003): every client is standard until it asks for special risk in the
cabinet and the broker's risk staff record a professional-investor status or a passed test and a
supplementary agreement, then grant it; the staff may downgrade it again. Each category has its
own discount-rate table (`app.margin.reads.rates_in_force` takes the client's category)."""
