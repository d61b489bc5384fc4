"""Money out of a client's brokerage account: banks, the signed withdrawal instruction, the back
office's payment queue and its daily payment register."""
