"""Built-in presets: one TOML file per preset, shipped inside the package."""
