"""Stipends: who earns the monthly allowance; month closing and payment arrive with [4/6]."""
