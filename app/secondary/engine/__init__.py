"""The market's machinery: the sequencer (the only writer of the journal), the projection of its
events into the tables, group commit, journal replay, the batch context and the instructions
(commands, the trading day, direct deals)."""
