"""Cases: a promise at risk, who owns it, and everything that happened to it."""
