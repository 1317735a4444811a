"""Parameter sweeps: grid/random specs, evaluation on the fast engine or backtrader, executors."""
