"""The ground layer: what every other folder may use (YAML loading, vocabulary, configuration)."""
