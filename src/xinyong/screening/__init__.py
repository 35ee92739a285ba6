"""Batch screening (批量筛查) of subjects against the lists: exact codes, then Chinese company-name matching."""
