"""External venues (AIX, International) the broker keeps by hand: their instruments and
quotes, the client's own list of instruments and the quote blocks on the cabinet's Home."""
