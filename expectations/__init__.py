"""Great Expectations suites (in code, one per table) and the runner that applies them.

GX is imported lazily: it costs seconds and hundreds of MB, and only validation needs it.
"""
