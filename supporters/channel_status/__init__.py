"""The console's "Channels" page: which ways of reaching people are set up, and are they working."""
