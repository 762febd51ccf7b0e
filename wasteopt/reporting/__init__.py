"""What a plan means: KPIs, money, comparisons, labels, maps, charts and the report."""
