"""The shipped model price catalog, generated from LiteLLM's price map (`make prices`)."""
