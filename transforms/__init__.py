"""Pure functions: fetched bytes -> extracted records -> star-schema DataFrames.

Nothing here touches the network, the database or the clock; callers pass those in.
"""
