"""The pages, one module per journey."""
