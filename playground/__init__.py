"""DL Playground: everything that shows (Qt). Talks to engine only through lessons and jobs."""
