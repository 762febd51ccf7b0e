"""Studies over runs: backtest, calibration, goal cost, demand check (each a runner and a reader)."""
