"""The pack's sections, one module each, in the order they appear; each `build(writer)` returns flowables."""
