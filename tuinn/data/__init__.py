"""Data sets: generators, the bundled digits, and file loaders."""
