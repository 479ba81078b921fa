"""Coverage: foreign-resident demand against supporter supply, gaps, targets and the map.

Plain modules (``analysis``, ``residents``, ``mapping``, ``targets``, ``svgmap``) hold the logic
and take no request objects, so the monthly report and the benchmarks call them directly; the
``coverage`` blueprint (``routes.py``) is a thin layer over them.
"""
